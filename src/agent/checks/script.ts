import { spawn } from 'node:child_process';
import { formatDuration } from '../../shared/duration.js';
import { TailBuffer } from './monitor.js';
import type { Probe } from './interval.js';
import { describe } from './probes.js';

/** Consul's default for script checks (other checks default to 10s). */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 30_000;

/**
 * Script check, as Consul's CheckMonitor: runs `args` directly (no shell) in its own process
 * group, stdout and stderr together into one 4 KiB tail buffer. Exit 0 is passing, 1 warning,
 * anything else (a signal, a command that cannot start) critical. On timeout the whole process
 * group is killed, so a script's children do not outlive it, and the result is critical with
 * "Timed out (30s) running check" and whatever it printed. The probe resolves only once the
 * process is gone, so two runs of one check never overlap.
 */
export function scriptProbe(args: readonly string[]): Probe {
  const [command, ...rest] = args;
  return (timeoutMs) =>
    new Promise((resolve) => {
      const output = new TailBuffer();
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, windowsHide: true });
      } catch (err) {
        resolve({ status: 'critical', output: describe(err) });
        return;
      }
      let timedOut = false;
      let settled = false;
      const finish = (status: 'passing' | 'warning' | 'critical', text: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, output: text });
      };
      const captured = (): string => {
        const text = output.text();
        return output.truncated() ? `Captured ${Buffer.byteLength(text)} of ${output.total} bytes\n...\n${text}` : text;
      };
      child.stdout!.on('data', (chunk: Buffer) => output.write(chunk));
      child.stderr!.on('data', (chunk: Buffer) => output.write(chunk));
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
      }, timeoutMs);
      child.once('error', (err) => finish('critical', describe(err)));
      child.once('exit', () => {
        if (!timedOut) return;
        // The group is dead; a daemonised grandchild holding the pipes must not hold us too.
        child.stdout!.destroy();
        child.stderr!.destroy();
        const text = captured();
        finish('critical', `Timed out (${formatDuration(timeoutMs)}) running check${text ? `\n\n${text}` : ''}`);
      });
      child.once('close', (code, signal) => {
        if (timedOut) return;
        const text = captured();
        if (code === 0) finish('passing', text);
        else if (code === 1) finish('warning', text);
        else finish('critical', text || (signal ? `killed by ${signal}` : `exit status ${String(code)}`));
      });
    });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
