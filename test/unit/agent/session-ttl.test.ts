import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionTtlTimers, startSessionTtl } from '../../../src/agent/leader/session-ttl.js';
import type { SessionInput } from '../../../src/catalog/commands.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { checkInput, newCatalog, nodeInput } from '../../helpers/catalog.js';

function session(id: string, ttl: string): SessionInput {
  return { ID: id, Name: '', Node: 'n1', LockDelay: 0, Behavior: 'release', TTL: ttl, NodeChecks: [], ServiceChecks: null };
}

const settle = () => new Promise((r) => setImmediate(r));

async function cluster() {
  const clock = new ManualClock();
  const catalog = newCatalog();
  let leader = true;
  const gained: (() => void)[] = [];
  const role = { isLeader: () => leader, onLeadershipGained: (l: () => void) => gained.push(l) };
  const ttl = startSessionTtl({ store: catalog.store, log: catalog.log, role, clock, logger: silentLogger() });
  await catalog.log.propose({ type: 'register', node: nodeInput('n1', '10.0.0.1'), checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing', Type: '' })] });
  return {
    clock,
    catalog,
    ttl,
    setLeader(on: boolean) {
      leader = on;
      if (on) for (const l of gained) l();
    },
  };
}

describe('leader: session TTL timers', () => {
  it('destroys a session TTL x 2 after creation unless renewed; renewals restart the timer', async () => {
    const c = await cluster();
    await c.catalog.log.propose({ type: 'session', op: 'create', session: session('a', '10s') });
    await c.catalog.log.propose({ type: 'session', op: 'create', session: session('forever', '') });
    assert.equal(c.ttl.timers.active(), 1);
    c.clock.advance(15_000);
    await c.catalog.log.propose({ type: 'session', op: 'renew', id: 'a' });
    c.clock.advance(19_999);
    await settle();
    assert.ok(c.catalog.store.session('a'), 'renewed at 15s: lives until 35s');
    c.clock.advance(1);
    await settle();
    assert.equal(c.catalog.store.session('a'), undefined);
    assert.ok(c.catalog.store.session('forever'));
    assert.equal(c.ttl.timers.active(), 0);
  });

  it('expiry releases the session\'s locks', async () => {
    const c = await cluster();
    await c.catalog.log.propose({ type: 'session', op: 'create', session: session('a', '10s') });
    await c.catalog.log.propose({ type: 'kv', op: 'lock', key: 'job/lock', session: 'a' });
    c.clock.advance(20_000);
    await settle();
    assert.equal(c.catalog.store.kvGet('job/lock')!.Session, '');
  });

  it('a new leader restarts every timer with a full TTL x 2 of grace; a follower never expires anything', async () => {
    const c = await cluster();
    await c.catalog.log.propose({ type: 'session', op: 'create', session: session('a', '10s') });
    c.clock.advance(15_000);
    // Leadership lost at 15s: the old timer fires at 20s but a non-leader does nothing.
    c.setLeader(false);
    c.clock.advance(10_000);
    await settle();
    assert.ok(c.catalog.store.session('a'));
    // Regained at 25s: the session gets until 45s.
    c.setLeader(true);
    assert.equal(c.ttl.timers.active(), 1);
    c.clock.advance(19_999);
    await settle();
    assert.ok(c.catalog.store.session('a'));
    c.clock.advance(1);
    await settle();
    assert.equal(c.catalog.store.session('a'), undefined);
  });

  it('retries a failed expiry while still leader', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const timers = new SessionTtlTimers({
      log: {
        propose: async () => {
          calls++;
          if (calls === 1) throw new Error('No cluster leader');
          return { index: 1, result: true };
        },
      },
      sessions: () => [{ ...session('a', '10s'), CreateIndex: 1, ModifyIndex: 1 }],
      isLeader: () => true,
      clock,
      logger: silentLogger(),
    });
    timers.leadershipGained();
    clock.advance(20_000);
    await settle();
    assert.equal(calls, 1);
    clock.advance(1_000);
    await settle();
    assert.equal(calls, 2);
    timers.stop();
  });
});
