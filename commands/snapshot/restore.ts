import { Args } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { readSnapshotFile } from '../../src/cli/snapshot-file.js';

export default class SnapshotRestore extends BaseCommand<typeof SnapshotRestore> {
  static override summary = 'Restore the cluster state from a snapshot file.';
  static override description = `Replaces the whole catalog (nodes, services, checks and KV) with the state saved in FILE by "snapshot save". The file is verified first, so a truncated or corrupt file is refused before anything changes; the servers verify it again. The restore goes through Raft, so every server switches to the same state. Everything written since the snapshot was taken is lost, and agents re-register their own services and checks as they sync.`;

  static override examples = ['<%= config.bin %> <%= command.id %> backup.snap'];

  static override args = {
    file: Args.string({ description: 'Snapshot file written by "snapshot save".', required: true }),
  };

  public async run(): Promise<{ File: string; Index: number; Term: number; Restored: true }> {
    const { archive, decoded } = await readSnapshotFile(this.args.file);
    await this.api.snapshotRestore(archive);
    this.log('Restored snapshot');
    return { File: this.args.file, Index: decoded.header.Index, Term: decoded.header.Term, Restored: true };
  }
}
