import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/shared/random.js';
import { checkKv, checkOperations, lockIndexViolation, type KvInput, type KvOperation, type KvOutput, type Model } from './linearizability.js';

// Shorthands: op(client, call, return, input, output). `ret` undefined = never returned.
const put = (client: number, call: number, ret: number | undefined, key: string, value: string, done = ret !== undefined): KvOperation =>
  ({ client, call, return: ret, input: { op: 'put', key, value }, output: done ? { ok: true } : undefined });
const get = (client: number, call: number, ret: number, key: string, value: string | null): KvOperation =>
  ({ client, call, return: ret, input: { op: 'get', key }, output: { value } });
const cas = (client: number, call: number, ret: number | undefined, key: string, expected: string | null, value: string, swapped?: boolean): KvOperation =>
  ({ client, call, return: ret, input: { op: 'cas', key, expected, value }, output: swapped === undefined ? undefined : { swapped } });
const del = (client: number, call: number, ret: number, key: string): KvOperation =>
  ({ client, call, return: ret, input: { op: 'delete', key }, output: { ok: true } });

describe('linearizability checker (KV model)', () => {
  it('accepts an empty history and a sequential one', () => {
    assert.equal(checkKv([]).verdict, 'ok');
    const h = [put(0, 1, 2, 'x', 'a'), get(0, 3, 4, 'x', 'a'), cas(0, 5, 6, 'x', 'a', 'b', true), get(0, 7, 8, 'x', 'b'),
      cas(0, 9, 10, 'x', 'a', 'c', false), del(0, 11, 12, 'x'), get(0, 13, 14, 'x', null)];
    assert.equal(checkKv(h).verdict, 'ok');
  });

  it('rejects a stale read (a read after a completed write sees the old value)', () => {
    const h = [put(0, 1, 2, 'x', 'a'), put(0, 3, 4, 'x', 'b'), get(1, 5, 6, 'x', 'a')];
    const r = checkKv(h);
    assert.equal(r.verdict, 'illegal');
    assert.ok(r.failure);
    assert.equal(r.failure.blocked, h[2]);
    assert.equal(r.failure.longest.length, 2);
    assert.match(r.explanation ?? '', /get\(x\) -> "a"/);
  });

  it('rejects a lost write (an acknowledged write never becomes visible)', () => {
    const h = [put(0, 1, 2, 'x', 'a'), get(1, 3, 4, 'x', null), get(1, 5, 6, 'x', null)];
    assert.equal(checkKv(h).verdict, 'illegal');
    // ... but a write that never returned may simply not have happened.
    const pending = [put(0, 1, undefined, 'x', 'a'), get(1, 3, 4, 'x', null), get(1, 5, 6, 'x', null)];
    assert.equal(checkKv(pending).verdict, 'ok');
  });

  it('orders concurrent operations in the one order that works', () => {
    // put a and put b overlap; both reads come after both returned: the second write wins.
    const h = [put(0, 1, 10, 'x', 'a'), put(1, 2, 9, 'x', 'b'), get(2, 11, 12, 'x', 'a'), get(3, 13, 14, 'x', 'a')];
    assert.equal(checkKv(h).verdict, 'ok');
    // Overlapping reads that see b then a are fine only if the second read could precede put a's effect.
    const flip = [put(0, 1, 10, 'x', 'a'), put(1, 2, 9, 'x', 'b'), get(2, 3, 5, 'x', 'b'), get(3, 6, 8, 'x', 'a'), get(3, 11, 12, 'x', 'b')];
    assert.equal(checkKv(flip).verdict, 'illegal');
    // A cas that succeeded pins the order: put a, then cas a→c, with put b concurrent to both.
    const pinned = [put(0, 1, 4, 'x', 'a'), put(1, 2, 20, 'x', 'b'), cas(2, 5, 8, 'x', 'a', 'c', true), get(3, 21, 22, 'x', 'b')];
    assert.equal(checkKv(pinned).verdict, 'ok');
    const impossible = [put(0, 1, 2, 'x', 'a'), put(1, 3, 4, 'x', 'b'), cas(2, 5, 8, 'x', 'a', 'c', true)];
    assert.equal(checkKv(impossible).verdict, 'illegal');
  });

  it('treats closed intervals that touch as concurrent', () => {
    // The read is called at the very instant the put returns: either order is allowed.
    const h = [put(0, 1, 5, 'x', 'a'), get(1, 5, 6, 'x', null)];
    assert.equal(checkKv(h).verdict, 'ok');
    const strict = [put(0, 1, 5, 'x', 'a'), get(1, 6, 7, 'x', null)];
    assert.equal(checkKv(strict).verdict, 'illegal');
  });

  it('lets a pending operation take effect late, or never', () => {
    const late = [put(0, 1, undefined, 'x', 'a'), get(1, 2, 3, 'x', null), get(1, 100, 101, 'x', 'a'), get(2, 102, 103, 'x', 'a')];
    assert.equal(checkKv(late).verdict, 'ok');
    // ... but only once: after it is seen, the old value cannot come back.
    const flicker = [put(0, 1, undefined, 'x', 'a'), get(1, 2, 3, 'x', 'a'), get(1, 4, 5, 'x', null)];
    assert.equal(checkKv(flicker).verdict, 'illegal');
    // A pending cas may or may not have swapped.
    const c1 = [put(0, 1, 2, 'x', 'a'), cas(1, 3, undefined, 'x', 'a', 'b'), get(2, 10, 11, 'x', 'b')];
    const c2 = [put(0, 1, 2, 'x', 'a'), cas(1, 3, undefined, 'x', 'a', 'b'), get(2, 10, 11, 'x', 'a')];
    assert.equal(checkKv(c1).verdict, 'ok');
    assert.equal(checkKv(c2).verdict, 'ok');
    // A pending cas can't make a value appear that it would not write.
    const c3 = [put(0, 1, 2, 'x', 'a'), cas(1, 3, undefined, 'x', 'z', 'b'), get(2, 10, 11, 'x', 'b')];
    assert.equal(checkKv(c3).verdict, 'illegal');
  });

  it('checks keys independently and names the failing one', () => {
    const h = [put(0, 1, 2, 'x', 'a'), put(0, 3, 4, 'y', 'b'), get(1, 5, 6, 'x', 'a'), get(1, 7, 8, 'y', null)];
    const r = checkKv(h);
    assert.equal(r.verdict, 'illegal');
    assert.equal(r.partitions, 2);
    assert.ok(r.failure?.ops.every((o) => o.input.key === 'y'));
  });

  it('answers unknown when the budget runs out', () => {
    // Many concurrent writes and a read nobody could have seen: exhaustive search is large.
    const h: KvOperation[] = [];
    for (let i = 0; i < 18; i++) h.push(put(i, 1, 100, 'x', `v${i}`));
    h.push(get(99, 101, 102, 'x', 'nope'));
    assert.equal(checkKv(h, { maxSteps: 1000 }).verdict, 'unknown');
  });

  it('works with any model: a FIFO queue without partitioning', () => {
    type In = { op: 'enq'; v: number } | { op: 'deq' };
    const queue: Model<readonly number[], In, number | null> = {
      init: () => [],
      step(s, i, o) {
        if (i.op === 'enq') return [true, [...s, i.v]];
        if (o === undefined) return [true, s.slice(1)];
        return [(s[0] ?? null) === o, s.slice(1)];
      },
      key: (s) => s.join(','),
    };
    const ok = checkOperations(queue, [
      { client: 0, call: 1, return: 5, input: { op: 'enq', v: 1 }, output: null },
      { client: 1, call: 2, return: 6, input: { op: 'enq', v: 2 }, output: null },
      { client: 2, call: 7, return: 8, input: { op: 'deq' }, output: 2 },
      { client: 2, call: 9, return: 10, input: { op: 'deq' }, output: 1 },
    ]);
    assert.equal(ok.verdict, 'ok');
    const bad = checkOperations(queue, [
      { client: 0, call: 1, return: 2, input: { op: 'enq', v: 1 }, output: null },
      { client: 1, call: 3, return: 4, input: { op: 'enq', v: 2 }, output: null },
      { client: 2, call: 7, return: 8, input: { op: 'deq' }, output: 2 },
    ]);
    assert.equal(bad.verdict, 'illegal');
  });

  it('agrees with a brute-force checker on random small histories', () => {
    const random = seededRandom(7);
    let illegal = 0;
    for (let trial = 0; trial < 400; trial++) {
      const h = randomHistory(random, 2 + random.int(5));
      const expected = bruteForce(h);
      const got = checkKv(h).verdict;
      assert.equal(got, expected ? 'ok' : 'illegal', `trial ${trial}: ${JSON.stringify(h)}`);
      if (!expected) illegal++;
    }
    assert.ok(illegal > 50 && illegal < 350, `a useful mix (illegal: ${illegal})`);
  });

  it('handles a long sequential history quickly', () => {
    const h: KvOperation[] = [];
    let t = 0;
    for (let i = 0; i < 5000; i++) {
      h.push(put(i % 4, t, t + 1, `k${i % 7}`, `v${i}`));
      t += 2;
      h.push(get((i + 1) % 4, t, t + 1, `k${i % 7}`, `v${i}`));
      t += 2;
    }
    const r = checkKv(h);
    assert.equal(r.verdict, 'ok');
  });
});

function randomHistory(random: ReturnType<typeof seededRandom>, n: number): KvOperation[] {
  const values = ['a', 'b', 'c'];
  const h: KvOperation[] = [];
  for (let i = 0; i < n; i++) {
    const call = random.int(20);
    const pending = random.int(8) === 0;
    const ret = pending ? undefined : call + random.int(8);
    const v = values[random.int(3)]!;
    const kind = random.int(4);
    let input: KvInput;
    let output: KvOutput | undefined;
    if (kind === 0) [input, output] = [{ op: 'put', key: 'x', value: v }, { ok: true }];
    else if (kind === 1) [input, output] = [{ op: 'get', key: 'x' }, { value: random.int(4) === 0 ? null : v }];
    else if (kind === 2) [input, output] = [{ op: 'cas', key: 'x', expected: values[random.int(3)]!, value: v }, { swapped: random.int(2) === 0 }];
    else [input, output] = [{ op: 'delete', key: 'x' }, { ok: true }];
    if (pending && input.op === 'get') continue;
    h.push({ client: i, call, return: ret, input, output: pending ? undefined : output });
  }
  return h;
}

/** Try every permutation that respects real-time order. */
function bruteForce(h: readonly KvOperation[]): boolean {
  const n = h.length;
  const used = new Array<boolean>(n).fill(false);
  const rec = (state: string | null, count: number): boolean => {
    if (count === n) return true;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const op = h[i]!;
      // op may go next only if no other unused op returned strictly before op was called.
      if (h.some((o, j) => !used[j] && j !== i && (o.return ?? Infinity) < op.call)) continue;
      let next: string | null = state;
      let ok = true;
      const input = op.input;
      const out = op.output;
      if (input.op === 'put') next = input.value;
      else if (input.op === 'delete') next = null;
      else if (input.op === 'get') ok = out === undefined || ('value' in out && out.value === state);
      else if (input.op === 'cas') {
        const m = state === input.expected;
        if (out !== undefined) ok = 'swapped' in out && out.swapped === m;
        if (m) next = input.value;
      }
      // A pending op may also be dropped entirely (never took effect).
      if (op.output === undefined) {
        used[i] = true;
        if (rec(state, count + 1)) return true;
        used[i] = false;
      }
      if (!ok) continue;
      used[i] = true;
      if (rec(next, count + 1)) return true;
      used[i] = false;
    }
    return false;
  };
  return rec(null, 0);
}

describe('lock model (acquire/release with LockIndex)', () => {
  const op = (client: number, input: KvInput, output: KvOutput | undefined, call: number, ret?: number): KvOperation => ({ client, input, output, call, return: ret });

  it('accepts a proper history and rejects two holders of one LockIndex', () => {
    const good = [
      op(0, { op: 'acquire', key: 'l', owner: 'a' }, { acquired: true, lockIndex: 1 }, 1, 2),
      op(1, { op: 'acquire', key: 'l', owner: 'b' }, { acquired: false, lockIndex: 1 }, 3, 4),
      op(0, { op: 'release', key: 'l', owner: 'a' }, { released: true }, 5, 6),
      op(1, { op: 'acquire', key: 'l', owner: 'b' }, { acquired: true, lockIndex: 2 }, 7, 8),
      op(1, { op: 'acquire', key: 'l', owner: 'b' }, { acquired: true, lockIndex: 2 }, 9, 10),
    ];
    assert.equal(checkKv(good).verdict, 'ok');
    assert.equal(lockIndexViolation(good), null);
    const bad = [
      op(0, { op: 'acquire', key: 'l', owner: 'a' }, { acquired: true, lockIndex: 1 }, 1, 3),
      op(1, { op: 'acquire', key: 'l', owner: 'b' }, { acquired: true, lockIndex: 1 }, 2, 4),
    ];
    assert.equal(checkKv(bad).verdict, 'illegal');
    assert.match(lockIndexViolation(bad)!, /LockIndex 1 acquired by both a and b/);
  });

  it('a pending acquire may or may not have taken the lock', () => {
    const history = [
      op(0, { op: 'acquire', key: 'l', owner: 'a' }, undefined, 1),
      op(1, { op: 'acquire', key: 'l', owner: 'b' }, { acquired: false, lockIndex: 1 }, 2, 3),
    ];
    assert.equal(checkKv(history).verdict, 'ok');
  });
});
