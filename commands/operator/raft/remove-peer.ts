import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { AppError } from '../../../src/shared/errors.js';

export default class OperatorRaftRemovePeer extends BaseCommand<typeof OperatorRaftRemovePeer> {
  static override summary = 'Remove a server from the Raft configuration.';
  static override description = `Removes the server given by -id (its Raft ID, as "operator raft list-peers" shows it) or by -address (its RPC address, ip:port) from the Raft peer set: exactly one of the two. This is for a server that is gone for good and that the cluster cannot remove by itself (a failed server that never left); a server still running should be stopped with "leave" instead. Removing voters lowers the quorum size, so remove one at a time and check "list-peers" between removals. Needs a leader.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> -id=5e1f4a7c-0f39-4b8b-9a53-3c0f44f3e2b1',
    '<%= config.bin %> <%= command.id %> -address=10.0.0.3:8300',
  ];

  static override flags = {
    id: Flags.string({ summary: 'Raft ID of the server to remove.', helpValue: '<id>' }),
    address: Flags.string({ summary: 'RPC address (ip:port) of the server to remove.', helpValue: '<ip:port>' }),
  };

  public async run(): Promise<{ ID: string } | { Address: string }> {
    const { id, address } = this.flags;
    if (!id && !address) throw new AppError('BAD_REQUEST', 'an address or id is required for the peer to remove');
    if (id && address) throw new AppError('BAD_REQUEST', 'cannot give both an address and id');
    if (address) {
      await this.api.removeRaftPeer({ address });
      this.log(`Removed peer with address "${address}"`);
      return { Address: address };
    }
    await this.api.removeRaftPeer({ id: id! });
    this.log(`Removed peer with id "${id}"`);
    return { ID: id! };
  }
}
