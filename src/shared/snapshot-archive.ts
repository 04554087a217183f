import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AppError, badRequest } from './errors.js';

/**
 * The snapshot file `GET /v1/snapshot` returns, `PUT /v1/snapshot` takes and `roster snapshot
 * save|restore|inspect` read and write. One gzip stream holding:
 *
 *   line 1: a JSON header, then "\n":
 *     {"Format":"roster-snapshot","Version":1,"Index":N,"Term":N,"Size":N,"SHA256":"<hex>"}
 *   then:   exactly Size bytes of state-machine data, whose SHA-256 is SHA256.
 *
 * `zcat file | head -1` shows the header. Decoding checks every layer (gzip's CRC and length,
 * the header, the data's size and hash), so a truncated or altered file is refused with a
 * message saying what is wrong instead of being restored.
 */

export const SNAPSHOT_FORMAT = 'roster-snapshot';
export const SNAPSHOT_FORMAT_VERSION = 1;

/** The header line is small; a file without a newline this early is not a snapshot. */
const MAX_HEADER_BYTES = 4096;
/** Default cap on the decompressed size, against gzip bombs. */
export const DEFAULT_MAX_SNAPSHOT_DATA_BYTES = 1024 * 1024 * 1024;

export interface SnapshotHeader {
  Format: string;
  Version: number;
  /** Raft index and term the snapshot covers. */
  Index: number;
  Term: number;
  /** Length of the data in bytes. */
  Size: number;
  /** Hex SHA-256 of the data. */
  SHA256: string;
}

export interface DecodedSnapshot {
  header: SnapshotHeader;
  data: Uint8Array;
  /** Length of the archive itself (compressed). */
  archiveBytes: number;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export function encodeSnapshotArchive(snapshot: { index: number; term: number; data: Uint8Array }): Buffer {
  const header: SnapshotHeader = {
    Format: SNAPSHOT_FORMAT,
    Version: SNAPSHOT_FORMAT_VERSION,
    Index: snapshot.index,
    Term: snapshot.term,
    Size: snapshot.data.length,
    SHA256: sha256(snapshot.data),
  };
  const head = Buffer.from(`${JSON.stringify(header)}\n`, 'utf8');
  return gzipSync(Buffer.concat([head, snapshot.data]));
}

/** A snapshot file that cannot be trusted: the caller's 400. */
function corrupt(detail: string): AppError {
  return badRequest(`invalid snapshot archive: ${detail}`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseHeader(line: Buffer): SnapshotHeader {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    throw corrupt('the header is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw corrupt('the header is not a JSON object');
  const h = value as Record<string, unknown>;
  if (h.Format !== SNAPSHOT_FORMAT) throw corrupt(`not a roster snapshot (format ${JSON.stringify(h.Format)})`);
  if (typeof h.Version !== 'number' || !Number.isInteger(h.Version)) throw corrupt('the header has no format version');
  if (h.Version !== SNAPSHOT_FORMAT_VERSION) {
    throw corrupt(`format version ${h.Version} is not supported (this build reads version ${SNAPSHOT_FORMAT_VERSION})`);
  }
  for (const field of ['Index', 'Term', 'Size'] as const) {
    if (!isCount(h[field])) throw corrupt(`the header's ${field} is not a non-negative integer`);
  }
  if (typeof h.SHA256 !== 'string' || !/^[0-9a-f]{64}$/.test(h.SHA256)) throw corrupt("the header's SHA256 is not a hex SHA-256");
  return { Format: SNAPSHOT_FORMAT, Version: h.Version, Index: h.Index as number, Term: h.Term as number, Size: h.Size as number, SHA256: h.SHA256 };
}

/**
 * Decodes and verifies an archive. Every failure is an AppError BAD_REQUEST whose message starts
 * "invalid snapshot archive:"; decompressing more than `maxDataBytes` is TOO_LARGE.
 */
export function decodeSnapshotArchive(
  archive: Uint8Array,
  options: { maxDataBytes?: number } = {},
): DecodedSnapshot {
  const maxDataBytes = options.maxDataBytes ?? DEFAULT_MAX_SNAPSHOT_DATA_BYTES;
  if (archive.length === 0) throw corrupt('the file is empty');
  if (archive[0] !== 0x1f || archive[1] !== 0x8b) throw corrupt('not gzip data');
  let plain: Buffer;
  try {
    plain = gunzipSync(archive, { maxOutputLength: maxDataBytes + MAX_HEADER_BYTES });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || (err instanceof RangeError && /maxOutputLength|too large/i.test(err.message))) {
      throw new AppError('TOO_LARGE', `invalid snapshot archive: more than ${maxDataBytes} bytes of data`);
    }
    if (code === 'Z_BUF_ERROR') throw corrupt('the file is truncated');
    throw corrupt(`gzip data is damaged (${(err as Error).message})`);
  }
  const newline = plain.subarray(0, MAX_HEADER_BYTES).indexOf(0x0a);
  if (newline === -1) throw corrupt('no header line');
  const header = parseHeader(plain.subarray(0, newline));
  const data = plain.subarray(newline + 1);
  if (data.length !== header.Size) {
    throw corrupt(`the header promises ${header.Size} bytes of data but there are ${data.length} (truncated or altered)`);
  }
  if (sha256(data) !== header.SHA256) throw corrupt('the data does not match its SHA-256 (the file is corrupt)');
  return { header, data, archiveBytes: archive.length };
}
