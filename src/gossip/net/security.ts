/**
 * AES-GCM sealing of gossip packets and stream frames.
 *
 *   sealed = encVersion:u8 nonce:12 ciphertext tag:16
 *
 * Version 1 is memberlist's "no padding" form (GCM needs none). The additional authenticated data
 * is the version byte plus the pool's label, so a packet sealed for label "a" fails to open under
 * label "b" even with the same key: two pools sharing a key still cannot cross-talk.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GossipAuthError, GossipDecodeError } from './errors.js';
import type { Keyring } from './keyring.js';

export const ENCRYPTION_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes sealing adds to a payload: callers shrink their MTU budget by this much. */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** Seals and opens opaque payloads; the transports take this, not a keyring. */
export interface PayloadCipher {
  seal(plain: Uint8Array): Uint8Array;
  /** Throws GossipAuthError or GossipDecodeError, never anything else. */
  open(sealed: Uint8Array): Uint8Array;
  readonly overhead: number;
}

function algorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw new GossipAuthError(`key of ${key.length} bytes; expected 16, 24 or 32`);
  }
}

function aad(label: string): Buffer {
  return Buffer.concat([Buffer.from([ENCRYPTION_VERSION]), Buffer.from(label, 'utf8')]);
}

export function seal(key: Uint8Array, plain: Uint8Array, label = ''): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(algorithm(key), key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(label));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([ENCRYPTION_VERSION]), nonce, body, cipher.getAuthTag()]);
}

/** Tries each key in order (the primary first, so the common case costs one attempt). */
export function open(keys: readonly Uint8Array[], sealed: Uint8Array, label = ''): Uint8Array {
  if (sealed.length < SEAL_OVERHEAD) throw new GossipDecodeError('truncated', `sealed payload of ${sealed.length} bytes is shorter than its header`);
  if (sealed[0] !== ENCRYPTION_VERSION) throw new GossipDecodeError('version', `unsupported encryption version ${String(sealed[0])}`);
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  for (const key of keys) {
    try {
      const decipher = createDecipheriv(algorithm(key), key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(label));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      // Wrong key or tampered bytes look the same to GCM; try the next key.
    }
  }
  throw new GossipAuthError(keys.length === 0 ? 'no keys installed' : 'no installed key authenticates this payload (wrong key, wrong label or tampered)');
}

/** A cipher that reads the keyring on every call, so keyring changes apply at once. */
export function keyringCipher(keyring: Keyring, label = ''): PayloadCipher {
  return {
    seal: (plain) => seal(keyring.primaryKey(), plain, label),
    open: (sealed) => open(keyring.keys(), sealed, label),
    overhead: SEAL_OVERHEAD,
  };
}
