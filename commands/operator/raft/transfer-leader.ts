import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';

export default class OperatorRaftTransferLeader extends BaseCommand<typeof OperatorRaftTransferLeader> {
  static override summary = 'Transfer Raft leadership to another server.';
  static override description = `Asks the current leader to hand leadership over: to the server with Raft ID -id, or, without -id, to the most up-to-date other voter. Useful before maintenance on the leader's machine. Writes pause for the moment the handover takes. Prints "Success" once the leader has handed over.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -id=5e1f4a7c-0f39-4b8b-9a53-3c0f44f3e2b1',
  ];

  static override flags = {
    id: Flags.string({ summary: 'Raft ID of the server to make leader (default: the most up-to-date other voter).', helpValue: '<id>' }),
  };

  public async run(): Promise<{ Success: true }> {
    await this.api.transferLeader(this.flags.id || undefined);
    this.log('Success');
    return { Success: true };
  }
}
