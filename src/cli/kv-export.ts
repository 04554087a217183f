import type { KvEntry } from '../client/types.js';
import { AppError } from '../shared/errors.js';
import { decodeBase64 } from './kv-value.js';

/** One key of Consul's `kv export` format. */
export interface ExportedEntry {
  key: string;
  flags: number;
  /** Base64 of the raw bytes ("" when empty). */
  value: string;
}

export function exportEntries(entries: readonly KvEntry[]): ExportedEntry[] {
  return [...entries].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0)).map((e) => ({ key: e.Key, flags: e.Flags, value: e.Value ?? '' }));
}

/** Parses and checks an export (every entry, before anything is written). */
export function parseExport(text: string): { key: string; flags: number; bytes: Buffer }[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AppError('BAD_REQUEST', `Cannot unmarshal data: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new AppError('BAD_REQUEST', 'Cannot unmarshal data: expected a JSON array of {"key", "flags", "value"}');
  return raw.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object') throw new AppError('BAD_REQUEST', `entry ${i}: expected an object`);
    const { key, flags, value } = item as Record<string, unknown>;
    if (typeof key !== 'string' || key === '') throw new AppError('BAD_REQUEST', `entry ${i}: "key" must be a non-empty string`);
    if (flags !== undefined && (typeof flags !== 'number' || !Number.isSafeInteger(flags) || flags < 0)) {
      throw new AppError('BAD_REQUEST', `entry ${i} (${key}): "flags" must be an unsigned integer`);
    }
    if (value !== undefined && value !== null && typeof value !== 'string') throw new AppError('BAD_REQUEST', `entry ${i} (${key}): "value" must be base64 text`);
    return { key, flags: (flags as number | undefined) ?? 0, bytes: decodeBase64((value as string | null | undefined) ?? '', `entry ${i} (${key}): "value"`) };
  });
}
