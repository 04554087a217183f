// `roster keygen` run as users run it (needs `npm run build` first; npm test does it).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ROOT, runCli } from '../cli/run-cli.js';
import { parseKey } from '../../../src/gossip/net/keyring.js';

describe('roster keygen', () => {
  before(() => {
    if (!existsSync(`${ROOT}dist/commands/keygen.js`)) throw new Error('dist/commands/keygen.js is missing: run `npm run build` first');
  });

  test('prints base64 of 32 random bytes, different each time', async () => {
    const [a, b] = await Promise.all([runCli(['keygen']), runCli(['keygen'])]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^[A-Za-z0-9+/]{43}=\n$/);
      assert.equal(Buffer.from(r.stdout.trim(), 'base64').length, 32);
      assert.equal(parseKey(r.stdout.trim()).length, 32, 'the keyring accepts what keygen prints');
    }
    assert.notEqual(a.stdout, b.stdout);
  });

  test('--json returns { key }', async () => {
    const r = await runCli(['keygen', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { key: string };
    assert.deepEqual(Object.keys(body), ['key']);
    assert.equal(Buffer.from(body.key, 'base64').length, 32);
  });
});
