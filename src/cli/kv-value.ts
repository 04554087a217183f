import { readFile } from 'node:fs/promises';
import type { KvEntry } from '../client/types.js';
import { AppError } from '../shared/errors.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 decoding: Buffer.from silently skips junk, which would store the wrong bytes. */
export function decodeBase64(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new AppError('BAD_REQUEST', `${what} is not valid base64`);
  return Buffer.from(compact, 'base64');
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * The bytes `kv put KEY [DATA]` stores, as Consul reads DATA: absent ⇒ empty, `-` ⇒ stdin,
 * `@path` ⇒ the file's contents, anything else ⇒ the text itself. With `base64` the result
 * is decoded first.
 */
export async function readKvData(data: string | undefined, options: { base64: boolean; stdin: NodeJS.ReadableStream }): Promise<Buffer> {
  let bytes: Buffer;
  if (data === undefined) bytes = Buffer.alloc(0);
  else if (data === '-') bytes = await readStream(options.stdin);
  else if (data.startsWith('@')) {
    try {
      bytes = await readFile(data.slice(1));
    } catch (err) {
      throw new AppError('BAD_REQUEST', `cannot read ${data.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  } else bytes = Buffer.from(data, 'utf8');
  return options.base64 ? decodeBase64(bytes.toString('utf8'), 'the data') : bytes;
}

/** The raw bytes of an entry (`Value` is base64 on the wire, null when empty). */
export function entryBytes(entry: KvEntry): Buffer {
  return entry.Value ? Buffer.from(entry.Value, 'base64') : Buffer.alloc(0);
}

/** Consul's `kv get -detailed` block: one `Name  value` line per field, names padded by 6. */
export function detailedEntry(entry: KvEntry, base64: boolean): string {
  const value = base64 ? (entry.Value ?? '') : entryBytes(entry).toString('utf8');
  const rows: [string, string][] = [
    ['CreateIndex', String(entry.CreateIndex)],
    ['Flags', String(entry.Flags)],
    ['Key', entry.Key],
    ['LockIndex', String(entry.LockIndex)],
    ['ModifyIndex', String(entry.ModifyIndex)],
    ['Session', entry.Session || '-'],
    ['Value', value],
  ];
  const width = Math.max(...rows.map(([name]) => name.length)) + 6;
  return rows.map(([name, v]) => `${name.padEnd(width)}${v}`).join('\n');
}
