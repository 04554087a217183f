import { spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { AppError } from '../shared/errors.js';
import { blockingGet, indexLess } from './blocking.js';

/**
 * `roster watch`: Consul's watch plans, built on blocking queries. Each plan is one endpoint;
 * the loop asks it with the last X-Consul-Index, and every time the answer's content changes
 * (the first answer included) hands the JSON to the output — stdout, or a handler command that
 * reads it on stdin.
 */

export const WATCH_TYPES = ['key', 'keyprefix', 'services', 'nodes', 'service', 'checks', 'event'] as const;
export type WatchType = (typeof WATCH_TYPES)[number];

export interface WatchOptions {
  type: WatchType;
  key?: string | undefined;
  prefix?: string | undefined;
  service?: string | undefined;
  tag?: string[] | undefined;
  passingOnly?: boolean | undefined;
  state?: string | undefined;
  name?: string | undefined;
}

export interface WatchPlan {
  path: string;
  query: Record<string, string | undefined>;
  /** The answer as the handler sees it (a KV miss is null, a prefix miss []). */
  shape(body: unknown): unknown;
  /** The index is a hash, not a counter (/v1/event/list): never "backwards", block while equal. */
  hashIndex?: boolean;
}

const seg = (value: string): string =>
  encodeURIComponent(value).replace(/%(3A|40|24|26|2B|2C|3B|3D)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
const kvPath = (key: string): string => `/v1/kv/${key.split('/').map(seg).join('/')}`;

function need(value: string | undefined, flag: string, type: string): string {
  if (value === undefined || value === '') throw new AppError('BAD_REQUEST', `-${flag} is required for a ${type} watch`);
  return value;
}

export function watchPlan(o: WatchOptions): WatchPlan {
  const tags = o.tag && o.tag.length > 0 ? o.tag : undefined;
  switch (o.type) {
    case 'key':
      return { path: kvPath(need(o.key, 'key', 'key')), query: {}, shape: (b) => (Array.isArray(b) ? (b[0] ?? null) : null) };
    case 'keyprefix':
      return { path: kvPath(o.prefix ?? ''), query: { recurse: '' }, shape: (b) => b ?? [] };
    case 'services':
      return { path: '/v1/catalog/services', query: {}, shape: (b) => b ?? {} };
    case 'nodes':
      return { path: '/v1/catalog/nodes', query: {}, shape: (b) => b ?? [] };
    case 'service': {
      const query: Record<string, string | undefined> = { passing: o.passingOnly ? '' : undefined };
      const plan: WatchPlan = { path: `/v1/health/service/${seg(need(o.service, 'service', 'service'))}`, query, shape: (b) => b ?? [] };
      // Repeated ?tag= means all of them.
      if (tags) plan.path += `?${tags.map((t) => `tag=${encodeURIComponent(t)}`).join('&')}`;
      return plan;
    }
    case 'checks':
      if (o.service) return { path: `/v1/health/checks/${seg(o.service)}`, query: {}, shape: (b) => b ?? [] };
      return { path: `/v1/health/state/${seg(o.state || 'any')}`, query: {}, shape: (b) => b ?? [] };
    case 'event':
      return { path: '/v1/event/list', query: { name: o.name || undefined }, shape: (b) => b ?? [], hashIndex: true };
    default:
      throw new AppError('BAD_REQUEST', `Unsupported watch type: ${String(o.type)}`);
  }
}

/** Runs `command` with `sh -c`, the JSON on its stdin; resolves with its exit status. */
export function runHandler(command: string, json: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'], env: { ...process.env, ...env } });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
    child.stdin.on('error', () => {});
    child.stdin.end(`${json}\n`);
  });
}

/**
 * Watches until `signal` aborts (or after the first answer with `once`). `emit` gets each
 * changed value and the index it came with; errors back off from 1s to 30s and are reported.
 */
export async function runWatch(
  address: string,
  plan: WatchPlan,
  emit: (value: unknown, index: string) => Promise<void>,
  options: { signal: AbortSignal; once?: boolean; onError?: (err: unknown) => void },
): Promise<void> {
  let index = '0';
  let last: unknown;
  let first = true;
  let delay = 1_000;
  while (!options.signal.aborted) {
    let answer;
    try {
      answer = await blockingGet(address, plan.path, plan.query, { index, signal: options.signal });
    } catch (err) {
      if (options.signal.aborted) return;
      if (first) throw err;
      options.onError?.(err);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
      continue;
    }
    delay = 1_000;
    // An index that went backwards (a restored snapshot, another agent) starts over.
    const next = !plan.hashIndex && indexLess(answer.index, index) ? '0' : answer.index;
    const value = plan.shape(answer.body);
    if (first || !isDeepStrictEqual(value, last)) {
      await emit(value, answer.index);
      if (options.once) return;
    }
    first = false;
    last = value;
    // Never block on 0 (it returns at once): Consul's rule is to use at least 1.
    index = next === '0' ? '1' : next;
  }
}
