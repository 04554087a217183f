// Starts real `roster agent` processes for integration tests and stops them by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${ROOT}bin/run.js`;
const execFileAsync = promisify(execFile);

export interface AgentProcess {
  child: ChildProcess;
  /** 127.0.0.x the agent listens on, with default ports. */
  ip: string;
  httpAddr: string;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `roster agent -dev` on its own loopback address and waits until HTTP answers. */
export function startDevAgent(ip: string, extraArgs: string[] = [], timeoutMs = 20_000): Promise<AgentProcess> {
  return startAgentProcess(ip, ['-dev', '-node', `dev-${ip.split('.').pop()}`, ...extraArgs], timeoutMs);
}

/** Starts `roster agent ARGS -bind IP -client IP` and waits until its HTTP API answers. */
export async function startAgentProcess(ip: string, args: string[], timeoutMs = 20_000): Promise<AgentProcess> {
  const child = spawn(process.execPath, [BIN, 'agent', ...args, '-bind', ip, '-client', ip], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const agent: AgentProcess = {
    child,
    ip,
    httpAddr: `${ip}:8500`,
    logs: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://${ip}:8500/v1/status/leader`);
      if (res.ok) return agent;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await agent.stop('SIGKILL');
      throw new Error(`agent on ${ip} did not answer within ${timeoutMs}ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the CLI; never throws on a non-zero exit. */
export async function roster(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs dig (Debian package bind9-dnsutils; .ci/run installs it). */
export async function dig(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('dig', args);
  return stdout;
}

/**
 * The agents' last log lines (DEBUG and join retries left out), with how each exited if it did:
 * what an integration test's timeout message shows so a CI failure explains itself.
 */
export function recentLogs(agents: ReadonlyMap<string, AgentProcess>, lines = 10): string {
  return [...agents.entries()]
    .map(([ip, a]) => {
      const exit = a.child.exitCode ?? a.child.signalCode;
      const tail = a.logs().split('\n').filter((l) => !l.includes('[DEBUG]') && !l.includes('join: no address')).slice(-lines);
      return `--- ${ip}${exit === null ? '' : ` (exited: ${String(exit)})`}\n${tail.join('\n')}`;
    })
    .join('\n');
}
