// `roster monitor` as a person sees it: a 5-agent loopback cluster (servers on 127.0.0.131-133,
// client agents on .134 and .135), the monitor running in tmux against .131, one agent SIGKILLed
// and another gracefully left; the screen (tmux capture-pane) must show "failed" and "left"
// within the gossip detection time. Skipped only where tmux is not installed (.ci/run installs it).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, ROOT, roster, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { waitFor } from '../helpers/wait.js';

const SERVERS = ['127.0.0.131', '127.0.0.132', '127.0.0.133'];
const CLIENTS = ['127.0.0.134', '127.0.0.135'];
const WATCHED = '127.0.0.131';
const KILLED = '127.0.0.133';
const LEAVER = '127.0.0.135';
/**
 * Gossip failure detection with the default LAN timings and 5 members: a probe round (1 s) and
 * the indirect probes, then a suspicion of 4 s growing to at most 24 s when nobody confirms it.
 */
const DETECTION_MS = 1_000 + 24_000 + 5_000;
/** A graceful leave is gossiped at once; 3 s of propagation at most. */
const LEAVE_MS = 10_000;

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const wired = readFileSync(join(ROOT, 'src/agent/start.ts'), 'utf8').includes('startLocalApi');
const skip = !hasTmux ? 'tmux is not installed' : !wired ? 'src/agent/start.ts does not start the local agent API yet' : false;

const socket = `roster-monitor-test-${process.pid}`;
const session = 'monitor';
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', session);

describe('roster monitor in tmux against a 5-agent cluster', { skip, timeout: 240_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'roster-monitor-'));
  const agents = new Map<string, AgentProcess>();

  const start = async (ip: string): Promise<AgentProcess> => {
    const n = ip.split('.').pop()!;
    const server = SERVERS.includes(ip);
    const args = [
      ...(server ? ['-server', '-bootstrap-expect', '3'] : []),
      '-node', server ? `s${n}` : `app${n}`,
      '-data-dir', join(root, n),
      ...(ip === WATCHED ? ['-grpc-port', '8502'] : []),
      ...SERVERS.flatMap((s) => ['-retry-join', s]), '-retry-interval', '1s',
    ];
    const agent = await startAgentProcess(ip, args);
    agents.set(ip, agent);
    return agent;
  };

  const seeOnScreen = (what: string, pattern: RegExp, timeoutMs: number): Promise<string> =>
    waitFor(what, async () => {
      const text = screen();
      return pattern.test(text) ? text : undefined;
    }, { timeoutMs, intervalMs: 100, context: () => `screen:\n${screen()}` });

  before(async () => {
    await Promise.all(SERVERS.map(start));
    await Promise.all(CLIENTS.map(start));
    await waitFor('a leader', async () => {
      const res = await fetch(`http://${WATCHED}:8500/v1/status/leader`);
      return ((await res.json()) as string) ? true : undefined;
    }, { timeoutMs: 30_000 });
    await waitFor('5 alive members', async () => {
      const res = await fetch(`http://${WATCHED}:8500/v1/agent/members`);
      const members = (await res.json()) as { Status: number }[];
      return members.filter((m) => m.Status === 1).length === 5 ? true : undefined;
    }, { timeoutMs: 30_000 });
  });

  after(async () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    for (const agent of agents.values()) await agent.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('prints one plain snapshot and exits 0 when not on a terminal (and --json)', async () => {
    const plain = await roster(['monitor', '--http-addr', `${WATCHED}:8500`]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^roster monitor snapshot: s131 \(server, dc1\) at .*, via stream 127\.0\.0\.131:8502$/m);
    assert.match(plain.stdout, /^LAN members: 5 \(5 alive\)$/m);
    assert.match(plain.stdout, /^Raft: leader s13[123], term \d+/m);
    assert.doesNotMatch(plain.stdout, /\u001b\[/, 'no escape codes when piped');
    const json = await roster(['monitor', '--http-addr', `${WATCHED}:8500`, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { source: string; members: { lan: unknown[] }; raft: { servers: unknown[] } };
    assert.equal(parsed.source, 'stream');
    assert.equal(parsed.members.lan.length, 5);
    assert.equal(parsed.raft.servers.length, 3);
  });

  it('shows a SIGKILLed agent failed and a departed one left, live, then quits restoring the terminal', async () => {
    const command = `${process.execPath} ${BIN} monitor --http-addr ${WATCHED}:8500; echo MONITOR-EXIT=$?; sleep 600`;
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', '-c', ROOT, command);
    await seeOnScreen('the live view', /live · LAN 5 members 5 alive · leader s13\d term \d+/, 20_000);
    const initial = screen();
    assert.match(initial, /s131\s+127\.0\.0\.131:8301\s+alive\s+(leader\*|server)/);
    assert.match(initial, /app134\s+127\.0\.0\.134:8301\s+alive\s+client/);
    assert.match(initial, /Raft\s+leader s13\d/);

    const killedAt = Date.now();
    await agents.get(KILLED)!.stop('SIGKILL');
    await seeOnScreen('s133 failed', /s133\s+127\.0\.0\.133:8301\s+failed/, DETECTION_MS);
    const failedMs = Date.now() - killedAt;

    const leftAt = Date.now();
    const leave = await roster(['leave', '--http-addr', `${LEAVER}:8500`]);
    assert.equal(leave.code, 0, leave.stderr);
    const final = await seeOnScreen('app135 left', /app135\s+127\.0\.0\.135:8301\s+left/, LEAVE_MS);
    const leftMs = Date.now() - leftAt;
    process.stdout.write(`# monitor showed failed ${failedMs} ms after SIGKILL, left ${leftMs} ms after roster leave\n`);
    assert.match(final, /3 alive 1 failed 1 left/);
    assert.match(final, /s133 failed/, 'the event log has the failure');
    assert.match(final, /app135 left/, 'and the leave');
    assert.match(final, /leader s13[12] term/, 'a leader among the survivors');

    // Keys: filter to the failed one, then quit.
    tmux('send-keys', '-t', session, '/');
    tmux('send-keys', '-t', session, '-l', 'failed');
    tmux('send-keys', '-t', session, 'Enter');
    await seeOnScreen('the filter', /LAN members 1\/5 matching "failed"/, 5_000);
    tmux('send-keys', '-t', session, 'q');
    const after = await seeOnScreen('the monitor to exit', /MONITOR-EXIT=0/, 5_000);
    assert.doesNotMatch(after, /LAN members/, 'the alternate screen is gone: the terminal is restored');
  });
});
