import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../src/shared/errors.js';
import { GossipAuthError, GossipDecodeError } from '../../../src/gossip/net/errors.js';
import { Keyring, encodeKey, parseKey } from '../../../src/gossip/net/keyring.js';
import { SEAL_OVERHEAD, keyringCipher, open, seal } from '../../../src/gossip/net/security.js';
import { decodePacket } from '../../../src/gossip/net/codec.js';
import { stripLabel } from '../../../src/gossip/net/label.js';
import { seededRandom } from '../../../src/shared/random.js';

const key = (n: number): string => randomBytes(n).toString('base64');
const plain = new TextEncoder().encode('hello gossip');

function throwsAuth(fn: () => unknown): void {
  assert.throws(fn, (err) => err instanceof GossipAuthError);
}

describe('gossip encryption', () => {
  for (const size of [16, 24, 32]) {
    test(`AES-${size * 8}-GCM round trip`, () => {
      const k = parseKey(key(size));
      const sealed = seal(k, plain, 'pool-a');
      assert.equal(sealed.length, plain.length + SEAL_OVERHEAD);
      assert.equal(sealed[0], 1);
      assert.deepEqual(new Uint8Array(open([k], sealed, 'pool-a')), plain);
    });
  }

  test('two seals of the same bytes differ (fresh nonce)', () => {
    const k = parseKey(key(32));
    assert.notDeepEqual(seal(k, plain), seal(k, plain));
  });

  test('the wrong key is refused with a typed error', () => {
    const sealed = seal(parseKey(key(32)), plain);
    throwsAuth(() => open([parseKey(key(32)), parseKey(key(16))], sealed));
    throwsAuth(() => open([], sealed));
  });

  test('a different label is refused even with the right key', () => {
    const k = parseKey(key(32));
    throwsAuth(() => open([k], seal(k, plain, 'dc1'), 'dc2'));
    throwsAuth(() => open([k], seal(k, plain, 'dc1'), ''));
    throwsAuth(() => open([k], seal(k, plain), 'dc1'));
  });

  test('every flipped byte is caught; short or unknown-version input is a decode error', () => {
    const k = parseKey(key(32));
    const sealed = seal(k, plain);
    for (let i = 1; i < sealed.length; i++) {
      const bad = Uint8Array.from(sealed);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      throwsAuth(() => open([k], bad));
    }
    const v9 = Uint8Array.from(sealed);
    v9[0] = 9;
    assert.throws(() => open([k], v9), (e) => e instanceof GossipDecodeError && e.reason === 'version');
    assert.throws(() => open([k], sealed.subarray(0, SEAL_OVERHEAD - 1)), (e) => e instanceof GossipDecodeError && e.reason === 'truncated');
  });
});

describe('keyring', () => {
  test('keys must be base64 of 16, 24 or 32 bytes', () => {
    for (const n of [16, 24, 32]) assert.equal(parseKey(key(n)).length, n);
    for (const bad of [key(15), key(31), key(33), key(64), '', 'not base64!', `${key(32)}x`]) {
      assert.throws(() => parseKey(bad), (e) => e instanceof AppError && e.code === 'CONFIG' && /encryption key/.test(e.message), bad);
    }
    assert.match((() => { try { parseKey(key(20)); } catch (e) { return (e as Error).message; } return ''; })(), /20 bytes.*16, 24 or 32/);
  });

  test('rotation: install, use, old still opens until removed', () => {
    const oldKey = key(32);
    const newKey = key(32);
    const ring = Keyring.create(oldKey);
    const cipher = keyringCipher(ring, 'lan');
    const oldSealed = cipher.seal(plain);

    ring.install(newKey);
    ring.install(newKey); // idempotent
    assert.deepEqual(ring.list(), { primary: oldKey, keys: [oldKey, newKey] });
    assert.deepEqual(open([parseKey(oldKey)], cipher.seal(plain), 'lan'), Buffer.from(plain), 'still sealing with the old primary');

    ring.use(newKey);
    assert.deepEqual(ring.list(), { primary: newKey, keys: [newKey, oldKey] });
    const newSealed = cipher.seal(plain);
    throwsAuth(() => open([parseKey(oldKey)], newSealed, 'lan'));
    assert.deepEqual(new Uint8Array(cipher.open(newSealed)), plain);
    assert.deepEqual(new Uint8Array(cipher.open(oldSealed)), plain, 'old key still decrypts');

    ring.remove(oldKey);
    assert.deepEqual(ring.list().keys, [newKey]);
    throwsAuth(() => cipher.open(oldSealed));
  });

  test('the primary cannot be removed; unknown keys cannot be used or removed', () => {
    const primary = key(32);
    const ring = Keyring.create(primary, [key(16)]);
    assert.throws(() => ring.remove(primary), (e) => e instanceof AppError && /primary/.test(e.message));
    assert.throws(() => ring.use(key(32)), (e) => e instanceof AppError && e.code === 'NOT_FOUND');
    assert.throws(() => ring.remove(key(32)), (e) => e instanceof AppError && e.code === 'NOT_FOUND');
    assert.equal(ring.list().keys.length, 2);
    assert.equal(encodeKey(ring.primaryKey()), primary);
  });
});

describe('receive path fuzz', () => {
  test('label strip + open + decode of random bytes raise only typed gossip errors', () => {
    const rnd = seededRandom(42);
    const cipher = keyringCipher(Keyring.create(key(32)), 'dc1');
    for (let i = 0; i < 5000; i++) {
      const bytes = new Uint8Array(rnd.int(120));
      for (let j = 0; j < bytes.length; j++) bytes[j] = rnd.int(256);
      if (bytes.length > 5 && i % 3 === 0) bytes.set([0xf4, 3, 0x64, 0x63, 0x31]);
      if (bytes.length > 6 && i % 3 === 0) bytes[5] = 1;
      try {
        decodePacket(cipher.open(stripLabel(bytes, 'dc1')));
      } catch (err) {
        if (!(err instanceof GossipDecodeError || err instanceof GossipAuthError)) assert.fail(`iteration ${i}: ${String(err)}`);
      }
    }
  });
});
