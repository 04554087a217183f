import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../../../src/shared/random.js';
import type { Entry, RaftMessage } from '../../../../src/raft/core/index.js';
import { Cluster, dec, enc } from './harness.js';

/** Messages that are well-typed-ish but wrong in every way we could think of. */
function garbage(to: string, term: number): RaftMessage[] {
  const e = (index: number, t: number): Entry => ({ index, term: t, kind: 'normal', data: enc('g') });
  const cfg: Entry = { index: 3, term, kind: 'config', data: enc('not json') };
  const any = (m: object): RaftMessage => m as RaftMessage;
  return [
    { type: 'append', from: 'stranger', to, term, prevIndex: 1e12, prevTerm: 1e9, entries: [], commit: 1e12 },
    { type: 'append', from: 'stranger', to, term, prevIndex: 1e12, prevTerm: 0, entries: [], commit: 0 },
    { type: 'append', from: 'a', to, term, prevIndex: 0, prevTerm: 0, entries: [e(5, term), e(3, term)], commit: 9 },
    { type: 'append', from: 'a', to, term, prevIndex: 2, prevTerm: 1, entries: [cfg], commit: 0 },
    { type: 'append', from: 'a', to, term: term + 1, prevIndex: 0, prevTerm: 0, entries: [e(1, term + 5)], commit: 0 },
    { type: 'append-response', from: 'stranger', to, term, index: 1e15, reject: false, hintIndex: 0, hintTerm: 0 },
    { type: 'append-response', from: 'b', to, term, index: 1e15, reject: false, hintIndex: 0, hintTerm: 0 },
    { type: 'append-response', from: 'b', to, term, index: 1e15, reject: true, hintIndex: 1e15, hintTerm: 1e15 },
    { type: 'append-response', from: 'c', to, term, index: 0, reject: true, hintIndex: 0, hintTerm: 0 },
    { type: 'heartbeat', from: 'b', to, term, commit: 1e15, context: 'nope' },
    { type: 'heartbeat-response', from: 'b', to, term, context: 'unknown' },
    { type: 'vote-response', from: 'stranger', to, term, preVote: false, granted: true },
    { type: 'vote', from: 'stranger', to, term: 0, preVote: true, transfer: false, lastIndex: 0, lastTerm: 0 },
    { type: 'timeout-now', from: 'stranger', to, term: 0 },
    { type: 'snapshot', from: 'b', to, term: 0, snapshot: { index: 5, term: 1, membership: { servers: [] } } },
    any({ type: 'snapshot', from: 'b', to, term, snapshot: { index: -1, term: 1, membership: null } }),
    any({ type: 'append', from: 'a', to, term: NaN, prevIndex: -1, prevTerm: 0, entries: null, commit: 0 }),
    any({ type: 'append', from: 'a', to, term, prevIndex: 1.5, prevTerm: 0, entries: [], commit: 0 }),
    any({ type: 'weird', from: 'a', to, term }),
    any({ type: 'heartbeat', from: 'a', to: 'someone-else', term, commit: 0, context: '' }),
    any({ type: 'heartbeat', from: to, to, term: term + 9, commit: 0, context: '' }),
    null as unknown as RaftMessage,
  ];
}

describe('raft core: robustness', () => {
  it('garbage messages never throw, on any role', () => {
    const c = new Cluster(['a', 'b', 'c']);
    c.elect('a');
    for (const id of ['a', 'b', 'c']) {
      const term = c.raft(id).status().term;
      for (const m of garbage(id, term)) assert.doesNotThrow(() => c.raft(id).step(m), `${id}: ${JSON.stringify(m)}`);
      c.process(id);
      const st = c.raft(id).status();
      assert.ok(st.commit <= st.lastIndex, `${id} commit within its log`);
    }
    c.drop();
    // And the cluster still works.
    for (let i = 0; i < 300 && c.leaders().length !== 1; i++) c.run(1);
    const [l] = c.leaders();
    assert.ok(l);
    c.run(12);
    const [l2] = c.leaders();
    assert.equal(c.raft(l2!).propose(enc('ok')), 'accepted');
    c.stabilize();
    c.run(2);
    for (const id of ['a', 'b', 'c']) assert.ok(c.node(id).applied.some((e) => dec(e.data) === 'ok'), id);
  });

  it('an append that would overwrite committed entries is ignored', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    a.propose(enc('x'));
    c.stabilize();
    c.run(1);
    const b = c.raft('b');
    const before = b.status();
    assert.equal(before.commit, before.lastIndex);
    b.step({
      type: 'append', from: 'a', to: 'b', term: before.term, prevIndex: 1, prevTerm: 1,
      entries: [{ index: 2, term: 1, kind: 'normal', data: enc('forged') }], commit: 0,
    });
    assert.equal(b.status().lastIndex, before.lastIndex);
    assert.equal(b.status().lastTerm, before.lastTerm);
  });

  it('a malformed config entry in an append is refused whole', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    const term = a.status().term;
    const b = c.raft('b');
    const last = b.status().lastIndex;
    b.step({
      type: 'append', from: 'a', to: 'b', term, prevIndex: last, prevTerm: term,
      entries: [{ index: last + 1, term, kind: 'config', data: enc('{"servers":7}') }], commit: 0,
    });
    assert.equal(b.status().lastIndex, last);
  });

  it('stays safe under random loss, duplication, reordering and partitions', () => {
    const stats: string[] = [];
    const seeds = Number(process.env.RAFT_FUZZ_SEEDS ?? 12);
    const first = Number(process.env.RAFT_FUZZ_FIRST ?? 1);
    for (let seed = first; seed < first + seeds; seed++) {
      const rnd = seededRandom(seed);
      const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, 3 + (seed % 3));
      const c = new Cluster(ids, { electionTicks: 6, maxInflightMsgs: 4, maxSizePerMsg: 200 });
      const leadersByTerm = new Map<number, string>();
      let proposed = 0;
      for (let step = 0; step < 6000; step++) {
        const r = rnd.float();
        const id = ids[rnd.int(ids.length)]!;
        const leader = c.leaders()[0] ?? id;
        if (r < 0.12) c.raft(id).tick();
        else if (r < 0.22) {
          if (c.raft(leader).propose(enc(`v${proposed}`)) === 'accepted') proposed++;
        } else if (r < 0.23) c.raft(leader).readIndex(`r${step}`);
        else if (r < 0.235) c.heal();
        else if (r < 0.238) c.isolate(id);
        else if (r < 0.2395) c.restart(id);
        else if (r < 0.24) c.raft(leader).transferLeadership(ids[rnd.int(ids.length)]!);
        else if (r < 0.241) {
          // compact a random server at what it has applied
          c.compact(id, rnd.int(4));
        } else if (r < 0.5) c.process(id);
        else if (c.queue.length > 0) {
          // deliver / drop / duplicate a random queued message
          const i = rnd.int(c.queue.length);
          const m = c.queue[i]!;
          const fate = rnd.float();
          if (fate < 0.1) {
            c.queue.splice(i, 1);
            if (m.type === 'snapshot') c.raft(m.from).reportSnapshot(m.to, false);
          } else {
            if (fate > 0.9) c.queue.push(m);
            c.deliver((x) => x === m);
          }
        }
        for (const n of c.nodes.values()) {
          const s = n.raft.status();
          if (s.role !== 'leader') continue;
          const prev = leadersByTerm.get(s.term);
          assert.ok(prev === undefined || prev === n.id, `seed ${seed}: two leaders in term ${s.term}`);
          leadersByTerm.set(s.term, n.id);
        }
      }
      // State-machine safety: applied sequences are prefixes of one another.
      const seqs = [...c.nodes.values()].map((n) => n.applied.map((e) => `${e.index}:${e.term}`));
      const longest = seqs.reduce((x, y) => (y.length > x.length ? y : x));
      for (const s of seqs) assert.deepEqual(s, longest.slice(0, s.length), `seed ${seed}: divergent apply`);
      // Liveness after healing: everything converges.
      c.heal();
      for (let i = 0; i < 400 && c.leaders().length !== 1; i++) c.run(1);
      const [l] = c.leaders();
      assert.ok(l, `seed ${seed}: no leader after healing`);
      c.raft(l).propose(enc('final'));
      c.stabilize();
      c.run(3);
      const commits = ids.map((id) => c.raft(id).status().commit);
      assert.ok(commits.every((x) => x === commits[0]), `seed ${seed}: commits ${commits}`);
      stats.push(`${proposed}/${leadersByTerm.size}/${Math.max(...[...c.nodes.values()].map((n) => n.applied.length))}`);
    }
    // The run must have exercised something: proposals applied and leadership changing hands.
    const parsed = stats.map((x) => x.split('/').map(Number));
    assert.ok(parsed.reduce((sum, [, , applied]) => sum + applied!, 0) > 1000, stats.join(' '));
    assert.ok(parsed.filter(([, terms]) => terms! >= 3).length >= 4, stats.join(' '));
  });

  it('the core uses no clock, timers, ambient randomness or node APIs', () => {
    const dir = new URL('../../../../src/raft/core/', import.meta.url).pathname;
    const banned: [RegExp, string][] = [
      [/from\s+['"]node:/, 'node: import'], [/\bDate\b/, 'Date'], [/\bperformance\b/, 'performance'],
      [/\bset(Timeout|Interval|Immediate)\b/, 'timers'], [/Math\.random/, 'Math.random'], [/\bprocess\./, 'process'],
    ];
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 5);
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const [re, what] of banned) assert.ok(!re.test(src), `${f} uses ${what}`);
      for (const m of src.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        assert.ok(spec.startsWith('./') || spec.startsWith('../../shared/'), `${f} imports ${spec}`);
      }
      assert.ok(!/^import\s+\{[^}]*\}\s+from\s+['"]\.\.\/\.\.\/shared\/random\.js['"]/m.test(src), `${f} value-imports random.ts`);
    }
  });
});
