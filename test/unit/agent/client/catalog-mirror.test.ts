import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CatalogMirror, type Subscribe } from '../../../../src/agent/client/catalog-mirror.js';
import { ClientCommandLog, type ServerCalls } from '../../../../src/agent/client/client-log.js';
import { ServerList } from '../../../../src/agent/client/server-list.js';
import { MEMBER_STATUS } from '../../../../src/agent/membership.js';
import { encodeCommand, encodeSnapshot } from '../../../../src/catalog/command-codec.js';
import type { CatalogCommand } from '../../../../src/catalog/commands.js';
import type { CatalogFrame } from '../../../../src/rpc/catalog-stream.js';
import { AppError } from '../../../../src/shared/errors.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { seededRandom } from '../../../../src/shared/random.js';
import { systemClock } from '../../../../src/shared/clock.js';
import { newCatalog, nodeInput } from '../../../helpers/catalog.js';

const put = (key: string, value: string): CatalogCommand => ({ type: 'kv', op: 'set', key, value: Buffer.from(value).toString('base64') });

/** A fake server side: each subscription gets handlers the test drives. */
function fakeServers(addresses: string[]) {
  const streams: { address: string; frame(f: CatalogFrame): void; end(e: Error): void; cancelled: boolean }[] = [];
  const subscribe: Subscribe = (address, handlers) => {
    const stream = { address, frame: handlers.onFrame, end: handlers.onEnd, cancelled: false };
    streams.push(stream);
    return { cancel: () => (stream.cancelled = true) };
  };
  const list = new ServerList(
    () => addresses.map((address, i) => ({ id: `id${i}`, name: `s${i}`, address, status: MEMBER_STATUS.alive, expect: 0, bootstrap: false })),
    seededRandom(3),
  );
  return { streams, subscribe, list };
}

async function settle(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), 'condition not reached');
}

describe('CatalogMirror', () => {
  it('takes the snapshot, then applies entries in order through the FSM; a reconnect replaces the copy', async () => {
    const source = newCatalog();
    await source.log.propose(put('a', '1'));
    const { streams, subscribe, list } = fakeServers(['127.0.0.2:8300', '127.0.0.3:8300']);
    const copy = newCatalog();
    const mirror = new CatalogMirror(copy.fsm, list, subscribe, systemClock, silentLogger());
    mirror.start();
    const first = streams[0]!;
    first.frame({ kind: 'snapshot', index: 1, data: encodeSnapshot(source.store.snapshot()), cluster: { leader: '127.0.0.2:8300', peers: [] } });
    assert.equal(copy.store.kvGet('a')?.Value.toString(), '1');
    const waiting = mirror.waitFor(3);
    first.frame({ kind: 'entries', entries: [[2, encodeCommand(put('b', '2'))], [3, encodeCommand(put('a', '3'))]] });
    await waiting;
    assert.equal(copy.store.kvGet('a')?.Value.toString(), '3');
    assert.equal(mirror.index(), 3);
    // A replayed entry (already covered) is skipped, not applied twice.
    first.frame({ kind: 'entries', entries: [[3, encodeCommand(put('a', 'stale'))]] });
    assert.equal(copy.store.kvGet('a')?.Value.toString(), '3');

    first.end(new AppError('UNAVAILABLE', 'server went away'));
    await settle(() => streams.length === 2);
    assert.notEqual(streams[1]!.address, first.address, 'the next server is tried');
    const other = newCatalog();
    await other.log.propose({ type: 'register', node: nodeInput('n1', '10.0.0.1') });
    streams[1]!.frame({ kind: 'snapshot', index: 9, data: encodeSnapshot(other.store.snapshot()), cluster: { leader: '127.0.0.3:8300', peers: [] } });
    assert.equal(copy.store.kvGet('a'), undefined, 'the new snapshot replaced the copy');
    assert.equal(copy.store.node('n1')?.Address, '10.0.0.1');
    assert.equal(mirror.clusterView().leader, '127.0.0.3:8300');
    mirror.close();
  });
});

describe('ClientCommandLog', () => {
  // The system clock's timers are unref'd (an agent's timers never hold the process open);
  // keep the test's event loop alive while retries wait on them.
  let keepAlive: NodeJS.Timeout;
  before(() => (keepAlive = setInterval(() => {}, 1_000)));
  after(() => clearInterval(keepAlive));

  it('sends a write to a server, fails over on a refused connection, and returns once the copy shows it', async () => {
    const { streams, subscribe, list } = fakeServers(['127.0.0.2:8300', '127.0.0.3:8300']);
    const copy = newCatalog();
    const mirror = new CatalogMirror(copy.fsm, list, subscribe, systemClock, silentLogger());
    mirror.start();
    streams[0]!.frame({ kind: 'snapshot', index: 1, data: encodeSnapshot(copy.store.snapshot()), cluster: { leader: 'x', peers: [] } });
    const tried: string[] = [];
    const calls: ServerCalls = {
      async apply(server, command) {
        tried.push(server);
        if (tried.length === 1) throw new AppError('UNAVAILABLE', `rpc error: connection refused to ${server}`);
        // The server commits it at index 2 and its stream delivers the entry a little later.
        setTimeout(() => streams[0]!.frame({ kind: 'entries', entries: [[2, command]] }), 20);
        return { index: 2, outcome: { result: true } };
      },
      readIndex: async () => 2,
    };
    const log = new ClientCommandLog(list, mirror, calls, systemClock);
    const applied = await log.propose(put('k', 'v'));
    assert.equal(applied.index, 2);
    assert.equal(new Set(tried).size, 2, 'a second server was tried');
    assert.equal(copy.store.kvGet('k')?.Value.toString(), 'v', 'visible locally when propose returns');
    mirror.close();
  });

  it('does not retry a write whose outcome is unknown, and turns a refusal into a 400-style error', async () => {
    const { streams, subscribe, list } = fakeServers(['127.0.0.2:8300', '127.0.0.3:8300']);
    const copy = newCatalog();
    const mirror = new CatalogMirror(copy.fsm, list, subscribe, systemClock, silentLogger());
    mirror.start();
    streams[0]!.frame({ kind: 'snapshot', index: 5, data: encodeSnapshot(copy.store.snapshot()), cluster: { leader: 'x', peers: [] } });
    let calls = 0;
    const timeout: ServerCalls = {
      apply: async () => {
        calls++;
        throw new AppError('UNAVAILABLE', 'rpc error: deadline exceeded after 30000 ms');
      },
      readIndex: async () => 0,
    };
    await assert.rejects(new ClientCommandLog(list, mirror, timeout, systemClock).propose(put('k', 'v')), /deadline exceeded/);
    assert.equal(calls, 1);
    const refused: ServerCalls = { apply: async () => ({ index: 5, outcome: { result: false, error: 'unknown service ID "x"' } }), readIndex: async () => 0 };
    await assert.rejects(new ClientCommandLog(list, mirror, refused, systemClock).propose(put('k', 'v')), (err) => err instanceof AppError && err.code === 'BAD_REQUEST');
    mirror.close();
  });
});
