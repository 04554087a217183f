import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { CommandExit } from '../src/cli/exit.js';
import { AgentUnreachableError } from '../src/client/transport.js';
import { errorMessage } from '../src/shared/errors.js';

interface JoinResult {
  Joined: number;
  Failed: { Address: string; Error: string }[];
}

export default class Join extends BaseCommand<typeof Join> {
  static override summary = 'Tell the local agent to join a cluster through other agents.';
  static override description = `Asks the local agent to contact each ADDRESS (ip, ip:port or host; the LAN gossip port 8301 when none is given) and join its gossip pool. One reachable member is enough: gossip spreads the rest of the membership. Fails, exiting 1, only when no address could be joined; the ones that failed are listed on stderr. -wan joins a server to the WAN pool of another datacenter's servers.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> 10.0.0.2',
    '<%= config.bin %> <%= command.id %> 127.0.0.2:8301 127.0.0.3:8301',
    '<%= config.bin %> <%= command.id %> -wan 10.1.0.2:8302',
  ];

  static override args = {
    addresses: Args.string({ description: 'Addresses of agents already in the cluster.', multiple: true, required: true }),
  };

  static override flags = {
    wan: Flags.boolean({ summary: 'Join the WAN pool (servers only) instead of the LAN pool.' }),
  };

  public async run(): Promise<JoinResult> {
    const result: JoinResult = { Joined: 0, Failed: [] };
    for (const address of this.args.addresses) {
      try {
        await this.api.join(address, { wan: this.flags.wan });
        result.Joined++;
      } catch (err) {
        // No agent to ask is not a per-address failure: say that once, plainly.
        if (err instanceof AgentUnreachableError) throw err;
        result.Failed.push({ Address: address, Error: errorMessage(err) });
        this.logToStderr(`Error joining address '${address}': ${errorMessage(err)}`);
      }
    }
    if (result.Joined === 0) throw new CommandExit(1, 'Error: Failed to join any nodes.', undefined, 'JOIN_FAILED');
    this.log(`Successfully joined cluster by contacting ${result.Joined} nodes.`);
    return result;
  }
}
