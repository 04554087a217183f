import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import type { UserEvent } from '../src/client/types.js';
import { CommandExit } from '../src/cli/exit.js';

export default class Event extends BaseCommand<typeof Event> {
  static override summary = 'Fire a user event across the cluster.';
  static override description = `Asks the local agent to fire the user event NAME with an optional PAYLOAD. The event spreads by gossip to every agent of the datacenter; each agent whose node name matches -node, and (with -service) which runs a service whose name matches -service and (with -tag) has a tag matching -tag, records it. The filters are regular expressions. Agents list the last 256 events they recorded at /v1/event/list. Events are best-effort: delivery is not acknowledged. The event name and payload share a limit of 512 bytes (keep payloads well under that, Consul suggests under 100 bytes).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> -name deploy',
    '<%= config.bin %> <%= command.id %> -name deploy -service web -tag canary v1.2.3',
    '<%= config.bin %> <%= command.id %> -name restart -node "^web-"',
  ];

  static override args = {
    payload: Args.string({ description: 'Payload of the event (sent as is).', required: false }),
  };

  static override flags = {
    name: Flags.string({ summary: 'Name of the event (required).', required: true }),
    node: Flags.string({ summary: 'Regular expression: only nodes whose name matches record the event.' }),
    service: Flags.string({ summary: 'Regular expression: only nodes running a matching service record the event.' }),
    tag: Flags.string({ summary: 'Regular expression over the tags of the matching services; needs -service.' }),
  };

  public async run(): Promise<UserEvent> {
    const { name, node, service, tag } = this.flags;
    if (tag !== undefined && service === undefined) {
      throw new CommandExit(1, 'Error: Cannot provide tag filter without service filter.', undefined, 'USAGE');
    }
    for (const [what, pattern] of [['node', node], ['service', service], ['tag', tag]] as const) {
      if (pattern === undefined) continue;
      try {
        new RegExp(pattern);
      } catch (err) {
        throw new CommandExit(1, `Error: Failed to compile ${what} filter regexp: ${(err as Error).message}`, undefined, 'USAGE');
      }
    }
    const payload = this.args.payload === undefined ? undefined : new TextEncoder().encode(this.args.payload);
    const event = await this.api.fireEvent(name, { node, service, tag, ...(payload ? { payload } : {}) });
    this.log(`Event ID: ${event.ID}`);
    return event;
  }
}
