import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { formatDuration } from '../../shared/duration.js';
import { TailBuffer } from './monitor.js';
import type { Probe } from './interval.js';

/** Consul's: servers that log or filter health-check traffic by User-Agent keep working. */
export const HEALTH_CHECK_USER_AGENT = 'Consul Health Check';
/** Go's http.Client gives up after this many redirects. */
export const MAX_REDIRECTS = 10;

export interface HttpCheckSpec {
  url: string;
  method: string;
  headers: Record<string, string[]>;
  body: string;
  tlsSkipVerify?: boolean;
  disableRedirects?: boolean;
}

/**
 * HTTP check, as Consul's CheckHTTP: 2xx passing, 429 warning, anything else (or no answer in
 * time) critical. The output reads "HTTP GET <url>: 200 OK Output: <body>", with the last 4 KiB
 * of the body. Redirects are followed as Go's client does (at most 10; 301/302/303 turn the
 * request into a GET without body, 307/308 repeat it), unless `disableRedirects`. The timeout
 * covers the whole exchange, body included; no connection is kept alive between runs.
 */
export function httpProbe(check: HttpCheckSpec): Probe {
  const prefix = `HTTP ${check.method} ${check.url}`;
  return async (timeoutMs) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let url = new URL(check.url);
      let method = check.method;
      let body = check.body;
      let headers = check.headers;
      for (let redirects = 0; ; redirects++) {
        const res = await send(url, method, headers, body, check.tlsSkipVerify === true, controller.signal);
        const location = res.headers.location;
        if (check.disableRedirects || !isRedirect(res.statusCode) || location === undefined) {
          const output = new TailBuffer();
          for await (const chunk of res) output.write(chunk as Buffer);
          const code = res.statusCode ?? 0;
          const result = `${prefix}: ${code} ${res.statusMessage ?? ''} Output: ${output.text()}`;
          if (code >= 200 && code <= 299) return { status: 'passing', output: result };
          if (code === 429) return { status: 'warning', output: result };
          return { status: 'critical', output: result };
        }
        res.resume();
        if (redirects >= MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, url);
        if (next.host !== url.host) headers = withoutCredentials(headers);
        headers = withoutHeader(headers, 'host');
        if (res.statusCode === 301 || res.statusCode === 302 || res.statusCode === 303) {
          if (method !== 'GET' && method !== 'HEAD') method = 'GET';
          body = '';
        }
        url = next;
      }
    } catch (err) {
      const reason = controller.signal.aborted ? `timed out after ${formatDuration(timeoutMs)} (Client.Timeout exceeded)` : describe(err);
      return { status: 'critical', output: `${prefix}: ${reason}` };
    } finally {
      clearTimeout(timer);
    }
  };
}

const isRedirect = (code: number | undefined): boolean => code === 301 || code === 302 || code === 303 || code === 307 || code === 308;

function withoutHeader(headers: Record<string, string[]>, name: string): Record<string, string[]> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name));
}

/** Go drops these when a redirect leaves the original host. */
function withoutCredentials(headers: Record<string, string[]>): Record<string, string[]> {
  const sensitive = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !sensitive.has(k.toLowerCase())));
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string[]>,
  body: string,
  tlsSkipVerify: boolean,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const out: OutgoingHttpHeaders = {};
  for (const [name, values] of Object.entries(headers)) {
    if (values.length > 0) out[name.toLowerCase() === 'host' ? 'host' : name] = values.length === 1 ? values[0]! : values;
  }
  const has = (name: string) => Object.keys(out).some((k) => k.toLowerCase() === name);
  if (!has('user-agent')) out['User-Agent'] = HEALTH_CHECK_USER_AGENT;
  if (!has('accept')) out.Accept = 'text/plain, text/*, */*';
  if (body) out['Content-Length'] = Buffer.byteLength(body);
  const options = { method, headers: out, signal, agent: false as const };
  return new Promise((resolve, reject) => {
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, rejectUnauthorized: !tlsSkipVerify }, resolve)
        : url.protocol === 'http:'
          ? httpRequest(url, options, resolve)
          : undefined;
    if (!req) return reject(new Error(`unsupported protocol scheme "${url.protocol.replace(/:$/, '')}"`));
    req.once('error', reject);
    req.end(body || undefined);
  });
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

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return cause.message;
    return err.message;
  }
  return String(err);
}
