// Figures for `roster monitor` (issue #7): how long a membership change takes to reach the
// screen, and the CPU the monitor process uses while idle and while 1000 members churn.
//
//   npm run bench:tui            (builds first; needs tmux for the CPU part)
//   node --import tsx test/bench/tui.ts [--members 1000] [--seconds 10] [--rates 100,500]
//
// The agent side is simulated in this process: a fake gossip pool of N members served by the
// real local agent API (startLocalApi, gRPC on 127.0.0.1, a free port). Latency: the real App
// rendered by ink into an in-memory terminal, connected over that gRPC stream; the clock runs
// from the pool change to the first frame written that shows it. CPU: the real `roster monitor`
// process in a tmux pane (a real pty), measured from /proc/<pid>/stat.
import { execFileSync, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLocalApi, type WatchablePool } from '../../src/agent/local-api.js';
import type { Member } from '../../src/gossip/core/types.js';
import { silentLogger } from '../../src/shared/logger.js';

// As `roster monitor` does: React's production build (chosen when React first loads).
process.env.NODE_ENV ??= 'production';
const { render } = await import('ink');
const { createElement: h } = await import('react');
const { App } = await import('../../src/tui/App.js');
const { streamConnector } = await import('../../src/tui/run.js');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: { members: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '10' }, rates: { type: 'string', default: '100,500' }, samples: { type: 'string', default: '100' } },
});
const N = Number(values.members);
const SECONDS = Number(values.seconds);
const RATES = values.rates.split(',').map(Number);
const SAMPLES = Number(values.samples);

class FakePool implements WatchablePool {
  readonly list: Member[];
  private readonly listeners: ((event: { kind: string }) => void)[] = [];
  constructor(n: number) {
    const now = Date.now();
    this.list = Array.from({ length: n }, (_, i) => ({
      name: `node-${String(i).padStart(4, '0')}`,
      addr: `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8301`,
      incarnation: 1,
      state: 'alive' as const,
      stateChangeAt: now,
      meta: { role: i < 3 ? 'consul' : 'node', dc: 'dc1', id: `id-${i}`, build: '0.1.0:roster' },
    }));
  }
  members(): Member[] {
    return this.list;
  }
  onEvent(listener: (event: { kind: string }) => void): void {
    this.listeners.push(listener);
  }
  /** One member changes state, and the pool says so (as GossipPool does for failures and joins). */
  flip(i: number, state: Member['state']): void {
    const m = this.list[i]!;
    m.state = state;
    m.stateChangeAt = Date.now();
    m.incarnation++;
    for (const l of this.listeners) l({ kind: state === 'alive' ? 'member-join' : 'member-failed' });
  }
}

/** An in-memory terminal for ink: 160x50, records when a frame showing `want` is written. */
class Terminal extends EventEmitter {
  readonly columns = 160;
  readonly rows = 50;
  readonly isTTY = true;
  frames = 0;
  private waiter: { re: RegExp; resolve: (at: number) => void } | undefined;
  last = '';
  write = (chunk: string): boolean => {
    this.frames++;
    // eslint-disable-next-line no-control-regex
    this.last = chunk.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    if (this.waiter?.re.test(this.last)) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(performance.now());
    }
    return true;
  };
  until(re: RegExp, timeoutMs = 5_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame matching ${re} within ${timeoutMs} ms; last:\n${this.last}`)), timeoutMs);
      this.waiter = { re, resolve: (at) => (clearTimeout(timer), resolve(at)) };
    });
  }
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): null {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (list: number[], p: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor((p / 100) * list.length))] ?? NaN;

async function latency(port: number, pool: FakePool): Promise<{ p50: number; p95: number; max: number; samples: number }> {
  const terminal = new Terminal();
  const app = render(h(App, { connect: streamConnector(`127.0.0.1:${port}`), httpGet: null, address: `127.0.0.1:${port}` }), {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  await terminal.until(new RegExp(`LAN members ${N}\\b`), 10_000);
  const samples: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    // Rows 3.. of the list (after the three servers) are node-0003, node-0004, ...: on screen.
    const i = 3 + (k % 20);
    const name = `node-${String(i).padStart(4, '0')}`;
    const state = k % 40 < 20 ? 'dead' : 'alive';
    const shown = new RegExp(`${name}\\s+\\S+\\s+${state === 'dead' ? 'failed' : 'alive'}`);
    const seen = terminal.until(shown);
    const t0 = performance.now();
    pool.flip(i, state);
    samples.push((await seen) - t0);
    // Membership events are isolated in practice: measure each from a quiet screen (see batchMs).
    await sleep(250);
  }
  app.unmount();
  return { p50: pct(samples, 50), p95: pct(samples, 95), max: Math.max(...samples), samples: samples.length };
}

/** utime+stime of a process in ms (Linux /proc; clock ticks are 100 Hz). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function measureCpu(pid: number, seconds: number, during?: () => () => void): Promise<{ cpuPercent: number; agentCpuPercent: number; rssMb: number }> {
  const stop = during?.();
  const c0 = cpuMs(pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = performance.now() - t0;
  const c1 = cpuMs(pid);
  const self = process.cpuUsage(self0);
  stop?.();
  return { cpuPercent: (100 * (c1 - c0)) / wall, agentCpuPercent: (100 * (self.user + self.system)) / 1000 / wall, rssMb: rssMb(pid) };
}

/** Changes `rate` random members a second (fail, then back alive), until stopped. */
function churn(pool: FakePool, rate: number): () => void {
  const perTick = Math.max(1, Math.round(rate / 100));
  const timer = setInterval(() => {
    for (let j = 0; j < perTick; j++) {
      const i = 3 + Math.floor(Math.random() * (N - 3));
      pool.flip(i, pool.list[i]!.state === 'alive' ? (Math.random() < 0.5 ? 'suspect' : 'dead') : 'alive');
    }
  }, 10);
  return () => clearInterval(timer);
}

async function main(): Promise<void> {
  const pool = new FakePool(N);
  const api = await startLocalApi({ bindAddr: '127.0.0.1', port: 0, self: { name: 'node-0000', datacenter: 'dc1', server: false }, gossip: { lan: pool }, logger: silentLogger() });
  // A minimal HTTP API for the services pane: answers once, then holds blocking queries.
  const http = createServer((req, res) => {
    const blocking = /[?&]index=/.test(req.url ?? '');
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-consul-index': '1' });
      res.end(req.url?.startsWith('/v1/catalog/services') ? '{"web":[]}' : '[]');
    };
    if (blocking) setTimeout(answer, 60_000).unref();
    else answer();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const httpPort = (http.address() as { port: number }).port;
  const figures: Record<string, unknown> = { members: N };

  const lat = await latency(api.port, pool);
  figures.frameLatencyMs = { p50: +lat.p50.toFixed(1), p95: +lat.p95.toFixed(1), max: +lat.max.toFixed(1), samples: lat.samples };

  if (spawnSync('tmux', ['-V']).status === 0) {
    const socket = `roster-tui-bench-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    try {
      tmux('new-session', '-d', '-s', 'bench', '-x', '160', '-y', '50', '-c', ROOT,
        `exec ${process.execPath} ${process.env.TUI_BENCH_NODE_ARGS ?? ''} bin/run.js monitor --grpc-addr 127.0.0.1:${api.port} --http-addr 127.0.0.1:${httpPort}`);
      const pid = Number(tmux('display', '-p', '-t', 'bench', '#{pane_pid}').trim());
      for (let i = 0; i < 100 && !/LAN members \d+/.test(tmux('capture-pane', '-p', '-t', 'bench')); i++) await sleep(100);
      await sleep(2_000);
      figures.idle = await measureCpu(pid, SECONDS);
      for (const rate of RATES) figures[`churn${rate}PerSecond`] = await measureCpu(pid, SECONDS, () => churn(pool, rate));
      figures.screenAfterChurn = tmux('capture-pane', '-p', '-t', 'bench').split('\n').slice(0, 6).join('\n');
      // Quit with q (as a person would), so a --cpu-prof run writes its profile.
      tmux('send-keys', '-t', 'bench', 'q');
      await sleep(1_000);
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    }
  } else {
    figures.cpu = 'skipped: tmux is not installed';
  }
  await api.close();
  http.close();
  console.log(JSON.stringify(figures, null, 2));
  process.exit(0);
}

await main();
