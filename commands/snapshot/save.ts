import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { saveSnapshotFile } from '../../src/cli/snapshot-file.js';
import type { SnapshotHeader } from '../../src/shared/snapshot-archive.js';

interface SaveResult extends SnapshotHeader {
  File: string;
  ArchiveSize: number;
}

export default class SnapshotSave extends BaseCommand<typeof SnapshotSave> {
  static override summary = 'Save a point-in-time snapshot of the cluster state to a file.';
  static override description = `Fetches a snapshot of the catalog (nodes, services, checks and KV) from the servers and writes it to FILE. The file is written as FILE.tmp, read back and verified (its gzip checksum, size and SHA-256), and only then renamed to FILE, so FILE is never a partial snapshot. The snapshot comes from the leader; -stale lets any server answer, for example when there is no leader, at the cost of possibly missing the latest writes. Restore it with "snapshot restore"; look inside with "snapshot inspect".`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> backup.snap',
    '<%= config.bin %> <%= command.id %> -stale backup.snap',
  ];

  static override args = {
    file: Args.string({ description: 'File to write the snapshot to.', required: true }),
  };

  static override flags = {
    stale: Flags.boolean({ summary: 'Let any server answer, even without a leader (may miss the latest writes).' }),
  };

  public async run(): Promise<SaveResult> {
    const archive = await this.api.snapshotSave({ stale: this.flags.stale });
    const { header, archiveBytes } = await saveSnapshotFile(this.args.file, archive);
    this.log(`Saved and verified snapshot to index ${header.Index}`);
    return { File: this.args.file, ...header, ArchiveSize: archiveBytes };
  }
}
