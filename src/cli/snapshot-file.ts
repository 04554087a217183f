import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { AppError, errorMessage } from '../shared/errors.js';
import { decodeSnapshotArchive, type DecodedSnapshot } from '../shared/snapshot-archive.js';

/**
 * Snapshot files on the CLI side. Saving goes through FILE.tmp and a rename, so FILE is either
 * the previous file or a complete, verified snapshot, never half of one.
 */

const ioCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? errorMessage(err);

/** Verifies `archive`, writes it to `path` (via `path`.tmp) and reads it back to check. */
export async function saveSnapshotFile(path: string, archive: Uint8Array): Promise<DecodedSnapshot> {
  const tmp = `${path}.tmp`;
  try {
    try {
      await writeFile(tmp, archive);
    } catch (err) {
      throw new AppError('BAD_REQUEST', `cannot write ${tmp}: ${ioCode(err)}`);
    }
    let decoded: DecodedSnapshot;
    try {
      // What is on disk is what gets verified: a short write or a full disk shows up here.
      decoded = decodeSnapshotArchive(await readFile(tmp));
    } catch (err) {
      throw new AppError('INTERNAL', `Error verifying snapshot file: ${errorMessage(err)}`);
    }
    try {
      await rename(tmp, path);
    } catch (err) {
      throw new AppError('BAD_REQUEST', `cannot rename ${tmp} to ${path}: ${ioCode(err)}`);
    }
    return decoded;
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Reads and verifies a snapshot file; any problem is a one-line BAD_REQUEST naming the file. */
export async function readSnapshotFile(path: string): Promise<{ archive: Buffer; decoded: DecodedSnapshot }> {
  let archive: Buffer;
  try {
    archive = await readFile(path);
  } catch (err) {
    throw new AppError('BAD_REQUEST', `cannot read snapshot file ${path}: ${ioCode(err)}`);
  }
  try {
    return { archive, decoded: decodeSnapshotArchive(archive) };
  } catch (err) {
    throw new AppError('BAD_REQUEST', `${path}: ${errorMessage(err)}`);
  }
}
