import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { CommandExit } from '../src/cli/exit.js';
import { DETAILED_HEADER, detailedRow, selectMembers, STANDARD_HEADER, standardRow } from '../src/cli/members-view.js';
import { formatTable } from '../src/cli/table.js';
import type { Member } from '../src/client/types.js';
import { AppError } from '../src/shared/errors.js';

export default class Members extends BaseCommand<typeof Members> {
  static override summary = 'List the members of the cluster as this agent sees them.';
  static override description = `Prints the gossip pool members known to the local agent: servers first, then clients, each with its gossip address, status (alive, leaving, left, failed), type, build, protocol, datacenter, partition and segment. The view is eventually consistent: it is what gossip has told this agent.

Exits 2 when the -status filter matches no member, as Consul does.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -status=alive',
    '<%= config.bin %> <%= command.id %> -detailed',
    '<%= config.bin %> <%= command.id %> -wan --json',
  ];

  static override exitStatus = {
    ...BaseCommand.exitStatus,
    2: 'No member matched the -status filter. Nothing is printed (with --json, an empty list).',
  };

  static override flags = {
    detailed: Flags.boolean({ summary: 'Show every gossip tag of each member instead of the summary columns.' }),
    status: Flags.string({
      summary: 'Only show members whose status matches this regular expression.',
      helpValue: '<regexp>',
      default: '.*',
    }),
    wan: Flags.boolean({ summary: 'List the WAN pool (servers of every federated datacenter) instead of the LAN pool.' }),
  };

  public async run(): Promise<Member[]> {
    let status: RegExp;
    try {
      status = new RegExp(this.flags.status);
    } catch (err) {
      throw new AppError('BAD_REQUEST', `invalid -status regexp: ${(err as Error).message}`);
    }
    const members = selectMembers(await this.api.members({ wan: this.flags.wan }), status);
    // Consul prints nothing and exits 2 when the filter leaves no one; scripts test for it.
    if (members.length === 0) throw new CommandExit(2, undefined, []);
    this.log(
      this.flags.detailed
        ? formatTable(DETAILED_HEADER, members.map(detailedRow))
        : formatTable(STANDARD_HEADER, members.map(standardRow)),
    );
    return members;
  }
}
