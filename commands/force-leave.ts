import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base.js';

export default class ForceLeave extends BaseCommand<typeof ForceLeave> {
  static override summary = 'Force a failed member of the cluster into the "left" state.';
  static override description = `Tells the local agent to mark NODE, a member that gossip has declared failed, as having left: peers stop trying to reconnect to it and its node is removed from the catalog. A member that is still alive is not affected (it would refute the claim), and if a forced-out agent comes back it simply rejoins. With -wan, NODE is a server in the WAN pool, named <node>.<datacenter>. -prune is accepted for Consul compatibility and currently behaves like a plain force-leave: the member stays listed as "left" until it is reaped.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> node-c',
    '<%= config.bin %> <%= command.id %> -wan server-2.dc2',
  ];

  static override args = {
    node: Args.string({ description: 'Name of the failed member.', required: true }),
  };

  static override flags = {
    wan: Flags.boolean({ summary: 'NODE is a member of the WAN pool (<node>.<datacenter>).' }),
    prune: Flags.boolean({ summary: 'Also remove the member from the member list (currently the same as without).' }),
  };

  public async run(): Promise<{ Node: string }> {
    await this.api.forceLeave(this.args.node, { wan: this.flags.wan, prune: this.flags.prune });
    return { Node: this.args.node };
  }
}
