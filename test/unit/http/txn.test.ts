import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { checkInput, nodeInput } from '../../helpers/catalog.js';
import type { KvEntry } from '../../../src/client/types.js';
import { startHarness, type Harness } from './harness.js';

interface TxnReply {
  Results: { KV: KvEntry }[] | null;
  Errors: { OpIndex: number; What: string }[] | null;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('/v1/txn', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  beforeEach(async () => {
    await h.api('/v1/kv/?recurse', { method: 'DELETE' });
  });

  const txn = async (ops: unknown, query = ''): Promise<{ status: number; body: TxnReply; headers: Headers }> => {
    const res = await h.put(`/v1/txn${query}`, ops);
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : { text }) as TxnReply, headers: res.headers };
  };

  it('applies writes atomically, results as Consul (Value null but for gets, deletes give none)', async () => {
    const { status, body } = await txn([
      { KV: { Verb: 'set', Key: 'a', Value: b64('1'), Flags: 7 } },
      { KV: { Verb: 'set', Key: 'b', Value: b64('2') } },
      { KV: { Verb: 'get', Key: 'a' } },
      { KV: { Verb: 'delete', Key: 'b' } },
      { KV: { Verb: 'get-tree', Key: '' } },
    ]);
    assert.equal(status, 200);
    assert.equal(body.Errors, null);
    const results = body.Results!;
    assert.equal(results.length, 4);
    assert.equal(results[0]!.KV.Value, null);
    assert.equal(results[0]!.KV.Flags, 7);
    assert.equal(results[1]!.KV.Key, 'b');
    assert.equal(results[2]!.KV.Value, b64('1'));
    // get-tree saw the delete made earlier in the same transaction.
    assert.deepEqual(results.slice(3).map((r) => r.KV.Key), ['a']);
    // All ops share one log entry.
    assert.equal(results[0]!.KV.ModifyIndex, results[1]!.KV.ModifyIndex);
    assert.equal((await h.api('/v1/kv/b')).status, 404);
  });

  it('a failed condition rolls everything back: 409 with every failed op', async () => {
    await h.put('/v1/kv/x', 'old');
    const idx = ((await (await h.api('/v1/kv/x')).json()) as { ModifyIndex: number }[])[0]!.ModifyIndex;
    const { status, body } = await txn([
      { KV: { Verb: 'set', Key: 'y', Value: b64('new') } },
      { KV: { Verb: 'cas', Key: 'x', Value: b64('z'), Index: idx + 100 } },
      { KV: { Verb: 'check-index', Key: 'x', Index: idx } },
      { KV: { Verb: 'get', Key: 'nope' } },
      { KV: { Verb: 'check-not-exists', Key: 'x' } },
      { KV: { Verb: 'lock', Key: 'x', Session: 'ghost' } },
      { KV: { Verb: 'frobnicate', Key: 'x' } },
    ]);
    assert.equal(status, 409);
    assert.equal(body.Results, null);
    assert.deepEqual(
      body.Errors!.map((e) => e.OpIndex),
      [1, 3, 4, 5, 6],
    );
    assert.match(body.Errors![0]!.What, /failed to set key "x", index is stale/);
    assert.match(body.Errors![1]!.What, /key "nope" doesn't exist/);
    assert.match(body.Errors![2]!.What, /key "x" exists/);
    assert.match(body.Errors![3]!.What, /invalid session "ghost"/);
    assert.match(body.Errors![4]!.What, /unknown KV verb "frobnicate"/);
    assert.equal((await h.api('/v1/kv/y')).status, 404);
  });

  it('lock / unlock / check-session with a session; read-only txns need no log entry', async () => {
    await h.catalog.log.propose({ type: 'register', node: nodeInput('node1', '127.0.0.1'), checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing', Type: '' })] });
    const { ID } = (await (await h.put('/v1/session/create', { LockDelay: '0s' })).json()) as { ID: string };
    const locked = await txn([{ KV: { Verb: 'lock', Key: 'l', Value: b64('me'), Session: ID } }]);
    assert.equal(locked.status, 200);
    assert.equal(locked.body.Results![0]!.KV.Session, ID);
    assert.equal(locked.body.Results![0]!.KV.LockIndex, 1);
    const before = h.catalog.store.index();
    const read = await txn([
      { KV: { Verb: 'check-session', Key: 'l', Session: ID } },
      { KV: { Verb: 'get', Key: 'l' } },
    ]);
    assert.equal(read.status, 200);
    assert.ok(read.headers.get('x-consul-index'));
    assert.equal(h.catalog.store.index(), before);
    assert.equal(read.body.Results![1]!.KV.Value, b64('me'));
    const unlocked = await txn([{ KV: { Verb: 'unlock', Key: 'l', Session: ID } }]);
    assert.equal(unlocked.status, 200);
    assert.equal(unlocked.body.Results![0]!.KV.Session, undefined);
    const again = await txn([{ KV: { Verb: 'unlock', Key: 'l', Session: ID } }]);
    assert.equal(again.status, 409);
    assert.match(again.body.Errors![0]!.What, /lock isn't held/);
  });

  it('delete-cas and delete-tree', async () => {
    await h.put('/v1/kv/t/1', 'a');
    await h.put('/v1/kv/t/2', 'b');
    const idx = ((await (await h.api('/v1/kv/t/1')).json()) as { ModifyIndex: number }[])[0]!.ModifyIndex;
    assert.equal((await txn([{ KV: { Verb: 'delete-cas', Key: 't/1', Index: idx + 1 } }])).status, 409);
    const ok = await txn([{ KV: { Verb: 'delete-cas', Key: 't/1', Index: idx } }, { KV: { Verb: 'delete-tree', Key: 't/' } }]);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.Results, []);
    assert.equal((await h.api('/v1/kv/t/?recurse')).status, 404);
  });

  it('more than 64 ops is 413; 64 is fine', async () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ KV: { Verb: 'set', Key: `k${i}`, Value: b64('v') } }));
    const over = await h.put('/v1/txn', ops(65));
    assert.equal(over.status, 413);
    assert.equal(await over.text(), 'Transaction contains too many operations (65 > 64)');
    assert.equal((await txn(ops(64))).status, 200);
  });

  it('a value over the KV limit is 413; a bad body is 400', async () => {
    // TEST_CONFIG's kv limit is 1024 bytes.
    const big = await h.put('/v1/txn', [{ KV: { Verb: 'set', Key: 'big', Value: Buffer.alloc(2000).toString('base64') } }]);
    assert.equal(big.status, 413);
    assert.equal(await big.text(), 'Value for key "big" is too large (2000 > 1024 bytes)');
    assert.equal((await h.api('/v1/kv/big')).status, 404);
    const huge = await h.put('/v1/txn', [{ KV: { Verb: 'set', Key: 'big', Value: Buffer.alloc(200_000).toString('base64') } }]);
    assert.equal(huge.status, 413);
    assert.equal((await h.put('/v1/txn', { KV: {} })).status, 400);
    assert.equal((await h.put('/v1/txn', 'nope')).status, 400);
    assert.equal((await h.put('/v1/txn', [{ Node: { Verb: 'get', Node: 'n' } }])).status, 400);
  });
});
