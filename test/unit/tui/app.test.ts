// The whole screen against a fake stream and a fake HTTP API: data flow, keys, the banner.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createElement as h } from 'react';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../../src/tui/App.js';
import type { BlockingGet } from '../../../src/tui/health.js';
import { FakeSource, member, raftView, snapshotFrame, T0, tick, until } from './fixtures.js';

afterEach(() => cleanup());

const SIZE = { columns: 100, rows: 30 };

/** A fake HTTP API: answers at once the first time, then blocks until aborted (nothing changes). */
function fakeHttp(routes: Record<string, unknown>): BlockingGet & { calls: string[] } {
  const calls: string[] = [];
  const get = (async (path: string, index: number, signal: AbortSignal) => {
    calls.push(`${path}@${index}`);
    if (index > 0) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      throw new Error('aborted');
    }
    if (!(path in routes)) return { index: 0, body: null };
    return { index: 5, body: routes[path] };
  }) as BlockingGet & { calls: string[] };
  get.calls = calls;
  return get;
}

const http = () =>
  fakeHttp({
    '/v1/catalog/services': { consul: [], web: ['v1'] },
    '/v1/health/state/any': [
      { Node: 'c4', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', ServiceID: '', ServiceName: '' },
      { Node: 'c4', CheckID: 'service:web', Name: 'web check', Status: 'critical', ServiceID: 'web', ServiceName: 'web' },
    ],
    '/v1/catalog/node-services/c4': { Node: { Node: 'c4' }, Services: [{ ID: 'web', Service: 'web', Tags: ['v1'], Address: '', Port: 80 }] },
  });

function start(options: { http?: BlockingGet | null; source?: FakeSource } = {}) {
  const source = options.source ?? new FakeSource();
  source.onConnect ??= (s) => s.push(snapshotFrame());
  const app = render(h(App, { connect: source.connect, httpGet: options.http ?? null, address: '127.0.0.1:8502', size: SIZE, now: () => T0, stream: { initialBackoffMs: 20, maxBackoffMs: 80, batchMs: 1 } }));
  const frame = () => app.lastFrame() ?? '';
  const see = (re: RegExp, what = String(re)) => until(what, () => re.test(frame()) || undefined, frame);
  /** One key at a time, with a pause so ink reads them apart (as a person types). */
  const type = async (...keys: string[]) => {
    for (const key of keys) {
      app.stdin.write(key);
      await tick(15);
    }
  };
  return { app, source, frame, see, type };
}

const selectedLine = (frame: string) => frame.split('\n').find((l) => l.startsWith('›')) ?? '';

describe('monitor app', () => {
  it('shows the snapshot, then each membership change as it streams in', async () => {
    const { source, see, frame } = start();
    await see(/live · LAN 5 members 5 alive · leader s1 term 3/);
    assert.match(frame(), /leader is s1 \(term 3\)/);
    source.push({ kind: 'member', at: T0 + 1000, pool: 'lan', change: 'failed', member: member('s2', { server: true, status: 'failed' }) });
    await see(/s2\s+127\.0\.0\.2:8301\s+failed/);
    await see(/s2 failed/);
    source.push({ kind: 'member', at: T0 + 2000, pool: 'lan', change: 'left', member: member('c4', { status: 'left' }) });
    await see(/4 members? 3 alive 1 failed 1 left|5 members 3 alive 1 failed 1 left/);
    source.push({ kind: 'raft', at: T0 + 3000, raft: raftView('s3', ['s1', 's2', 's3'], { term: 4 }) });
    await see(/leader elected: s3 \(term 4\)/);
    await see(/s3\s+127\.0\.0\.3:8301\s+alive\s+leader\*/);
  });

  it('j/k move the selection, which follows its node when rows move', async () => {
    const { source, see, type, frame } = start();
    await see(/live/);
    assert.match(selectedLine(frame()), /›s1/);
    await type('j', 'j');
    await see(/›s3/);
    await type('k');
    await see(/›s2/);
    // A new member sorted above: the selection stays on s2.
    source.push({ kind: 'member', at: T0, pool: 'lan', change: 'join', member: member('s0', { server: true }) });
    await see(/ s0\s+127/);
    assert.match(selectedLine(frame()), /›s2/);
  });

  it('/ filters, Esc clears; s sorts; w switches to WAN', async () => {
    const { see, type, frame } = start();
    await see(/live/);
    await type('/', 'c', '4');
    await see(/LAN members 1\/5 matching "c4"/);
    await see(/^\/c4/m);
    await type('\r');
    await see(/\/ filter "c4"/);
    await type('\u001b');
    await see(/LAN members 5 /);
    await type('s');
    await see(/sort: name/);
    assert.match(selectedLine(frame()), /›c4/);
    await type('w');
    await see(/WAN members 3/);
    await see(/s1\.dc1\s+127\.0\.0\.1:8302/);
  });

  it('Tab moves the focus; Enter shows the selected node with its services and checks', async () => {
    const { see, type } = start({ http: http() });
    await see(/live/);
    await type('\t');
    // Narrow terminal: the focused side pane takes the main area.
    await see(/Services 2/);
    await see(/web\s+0\s+0\s+1/);
    await type('\t', '\t', '\t');
    await see(/LAN members 5/);
    await type('G', 'k', '\r');
    await see(/c4\s+alive · client/);
    await see(/web \(?.*127\.0\.0\.4:80 \[v1\]/);
    await see(/critical\s+web check/);
    await see(/passing\s+Serf Health Status/);
    await type('\u001b');
    await see(/LAN members 5/);
  });

  it('? shows the help, any key closes it', async () => {
    const { see, type } = start();
    await see(/live/);
    await type('?');
    await see(/roster monitor: keys/);
    await type('x');
    await see(/LAN members 5/);
  });

  it('q quits: the app unmounts and the stream is closed', async () => {
    const { see, type, source } = start();
    await see(/live/);
    assert.equal(source.cancels, 0);
    await type('q');
    await until('the stream to be cancelled', () => (source.cancels > 0 ? true : undefined));
  });

  it('shows a banner while the agent is unreachable, retries with backoff, and resumes', async () => {
    const source = new FakeSource();
    let fail = true;
    source.onConnect = (s) => (fail ? s.end('connection refused by 127.0.0.1:8502') : s.push(snapshotFrame({ lan: [member('s1', { server: true })] })));
    const { see, frame } = start({ source });
    await see(/Agent unreachable at 127\.0\.0\.1:8502 for 0s: connection refused/);
    await until('a few retries', () => (source.connects >= 3 ? true : undefined), frame);
    assert.match(frame(), /attempt [23]/);
    fail = false;
    await see(/live · LAN 1 members 1 alive/);
    assert.doesNotMatch(frame(), /unreachable/i);
    // Lost again after being live: the last state stays under the banner.
    source.onConnect = (s) => s.end('connection refused');
    source.end('stream reset');
    await see(/Agent unreachable[\s\S]*Showing the last known state/);
    assert.match(frame(), /s1\s+127\.0\.0\.1:8301\s+alive/);
    assert.match(frame(), /lost the agent: stream reset/);
  });

  it('renders 1000 members without rendering 1000 rows', async () => {
    const lan = Array.from({ length: 1000 }, (_, i) => member(`node-${String(i).padStart(4, '0')}`));
    const source = new FakeSource();
    source.onConnect = (s) => s.push(snapshotFrame({ lan }));
    const { see, frame, type } = start({ source });
    await see(/LAN members 1000/);
    assert.ok(frame().split('\n').length <= SIZE.rows, `${frame().split('\n').length} lines`);
    await type('G');
    await see(/›node-0999/);
  });
});
