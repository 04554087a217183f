import { connect } from 'node:net';
import { capOutput, MAX_OUTPUT_BYTES } from './monitor.js';
import type { Probe } from './interval.js';

/**
 * HTTP check: 2xx passing, 429 warning, anything else (or no answer in time) critical. The
 * output reads as Consul's: "HTTP GET <url>: 200 OK Output: <body>".
 */
export function httpProbe(check: { url: string; method: string; headers: Record<string, string[]>; body: string }): Probe {
  return async (timeoutMs) => {
    const headers = new Headers();
    for (const [name, values] of Object.entries(check.headers)) for (const v of values) headers.append(name, v);
    const prefix = `HTTP ${check.method} ${check.url}`;
    try {
      const res = await fetch(check.url, {
        method: check.method,
        headers,
        ...(check.body && check.method !== 'GET' ? { body: check.body } : {}),
        redirect: 'follow',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = capOutput((await res.text()).slice(0, MAX_OUTPUT_BYTES));
      const output = `${prefix}: ${res.status} ${res.statusText} Output: ${body}`;
      if (res.status >= 200 && res.status < 300) return { status: 'passing', output };
      if (res.status === 429) return { status: 'warning', output };
      return { status: 'critical', output };
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${timeoutMs}ms` : describe(err);
      return { status: 'critical', output: `${prefix}: ${reason}` };
    }
  };
}

/** TCP check: a completed connect is passing, anything else critical. */
export function tcpProbe(address: string): Probe {
  const { host, port } = splitHostPort(address);
  return (timeoutMs) =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (status: 'passing' | 'critical', output: string): void => {
        socket.destroy();
        resolve({ status, output });
      };
      socket.setTimeout(timeoutMs, () => done('critical', `dial tcp ${address}: i/o timeout`));
      socket.once('connect', () => done('passing', `TCP connect ${address}: Success`));
      socket.once('error', (err) => done('critical', `dial tcp ${address}: ${describe(err)}`));
    });
}

export function splitHostPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`"${address}" is not host:port`);
  return { host: match[1]!, port: Number(match[2]) };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return cause.message;
    return err.message;
  }
  return String(err);
}
