/**
 * The gossip keyring: one primary key encrypts, every installed key may decrypt. This is what
 * makes rotation safe: install the new key everywhere, make it primary, then remove the old one
 * once no agent still sends with it.
 */
import { AppError } from '../../shared/errors.js';

export const KEY_SIZES: readonly number[] = [16, 24, 32];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a base64 key (as `roster keygen` prints) and checks its size. */
export function parseKey(encoded: string): Uint8Array {
  const text = encoded.trim();
  // Buffer.from(…, 'base64') skips junk silently; a typo in a key must be an error, not a different key.
  if (!BASE64.test(text)) throw new AppError('CONFIG', 'encryption key is not valid base64');
  const key = Buffer.from(text, 'base64');
  if (!KEY_SIZES.includes(key.length)) {
    throw new AppError('CONFIG', `encryption key is ${key.length} bytes after base64 decoding; it must be 16, 24 or 32 bytes (roster keygen makes one)`);
  }
  return new Uint8Array(key);
}

export function encodeKey(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}

export class Keyring {
  /** Primary first; the order is also the order keys are tried to decrypt. */
  private installed: Uint8Array[];

  private constructor(primary: Uint8Array, others: readonly Uint8Array[]) {
    this.installed = [primary];
    for (const k of others) if (this.indexOf(k) < 0) this.installed.push(k);
  }

  /** Keys are base64 strings; `primary` encrypts, `others` only decrypt. */
  static create(primary: string, others: readonly string[] = []): Keyring {
    return new Keyring(parseKey(primary), others.map(parseKey));
  }

  primaryKey(): Uint8Array {
    const [primary] = this.installed;
    if (!primary) throw new AppError('INTERNAL', 'keyring has no primary key');
    return primary;
  }

  keys(): readonly Uint8Array[] {
    return this.installed;
  }

  /** Adds a key for decryption; installing a key already present is a no-op. */
  install(encoded: string): void {
    const key = parseKey(encoded);
    if (this.indexOf(key) < 0) this.installed.push(key);
  }

  /** Makes an installed key the primary. */
  use(encoded: string): void {
    const key = parseKey(encoded);
    const at = this.indexOf(key);
    if (at < 0) throw new AppError('NOT_FOUND', 'key is not installed; install it before using it');
    this.installed = [key, ...this.installed.filter((_, i) => i !== at)];
  }

  /** Removes a secondary key; removing the primary would leave nothing to encrypt with. */
  remove(encoded: string): void {
    const key = parseKey(encoded);
    const at = this.indexOf(key);
    if (at < 0) throw new AppError('NOT_FOUND', 'key is not installed');
    if (at === 0) throw new AppError('BAD_REQUEST', 'removing the primary key is not allowed; make another key primary first');
    this.installed.splice(at, 1);
  }

  /** Base64 of every installed key, primary first. */
  list(): { primary: string; keys: string[] } {
    return { primary: encodeKey(this.primaryKey()), keys: this.installed.map(encodeKey) };
  }

  private indexOf(key: Uint8Array): number {
    return this.installed.findIndex((k) => Buffer.from(k).equals(key));
  }
}
