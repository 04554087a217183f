import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { formatRaftPeers } from '../../../src/cli/operator-view.js';
import type { RaftConfiguration } from '../../../src/client/types.js';

export default class OperatorRaftListPeers extends BaseCommand<typeof OperatorRaftListPeers> {
  static override summary = 'Display the current Raft peer configuration.';
  static override description = `Prints the servers of the Raft configuration: node name ("(unknown)" when gossip does not know the server), Raft ID, RPC address, whether it is the leader or a follower, whether it votes, its Raft protocol version, the highest log index it holds (Commit Index) and how many entries it trails the leader by. The answer comes from the leader; when the cluster has no leader, -stale asks whichever server the agent reaches, whose view may be out of date. The agent at --http-addr must be a server.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -stale',
    '<%= config.bin %> <%= command.id %> --json',
  ];

  static override flags = {
    stale: Flags.boolean({ summary: "Read the configuration from any server, even without a leader (may be out of date)." }),
  };

  public async run(): Promise<RaftConfiguration> {
    const config = await this.api.raftConfiguration({ stale: this.flags.stale });
    this.log(formatRaftPeers(config));
    return config;
  }
}
