import { Args, Command } from '@oclif/core';
import { exitWithFailure } from '../base.js';
import { formatSnapshotSummary } from '../../src/cli/operator-view.js';
import { readSnapshotFile } from '../../src/cli/snapshot-file.js';
import type { SnapshotHeader } from '../../src/shared/snapshot-archive.js';

/**
 * Reads a snapshot file and needs no agent, so like `keygen` it extends oclif's Command rather
 * than BaseCommand; it fails the way every other command does.
 */
export default class SnapshotInspect extends Command {
  static override summary = 'Show the metadata of a snapshot file.';
  static override description = `Verifies FILE (its gzip checksum, size and SHA-256) and prints what it holds: the Raft index and term the snapshot was taken at, the size of the state and of the file, the state's SHA-256 and the format version. Exits 1, saying what is wrong, when the file is not a valid snapshot. Needs no agent.`;

  static override examples = ['<%= config.bin %> <%= command.id %> backup.snap', '<%= config.bin %> <%= command.id %> backup.snap --json'];

  static override enableJsonFlag = true;

  static exitStatus: Record<string, string> = {
    0: 'FILE is a valid snapshot; its metadata was printed.',
    1: 'FILE cannot be read or is not a valid snapshot (truncated, corrupt, or another format). One line saying which is printed on standard error.',
  };

  static override args = {
    file: Args.string({ description: 'Snapshot file written by "snapshot save".', required: true }),
  };

  public async run(): Promise<SnapshotHeader & { File: string; ArchiveSize: number }> {
    const { args } = await this.parse(SnapshotInspect);
    const { decoded } = await readSnapshotFile(args.file);
    this.log(formatSnapshotSummary(decoded));
    return { File: args.file, ...decoded.header, ArchiveSize: decoded.archiveBytes };
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    return exitWithFailure(this, err, (json) => this.logJson(json));
  }

}
