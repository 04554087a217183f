/**
 * Services and checks for the monitor, from the agent's HTTP API with blocking queries
 * (`?index=N&wait=..`): one long-poll per watched endpoint, answered when the catalog changes.
 */
import { agentBaseUrl } from '../client/address.js';
import type { EventLine } from './model.js';

export interface CheckRow {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly Output?: string;
}

export interface ServiceRow {
  readonly ID: string;
  readonly Service: string;
  readonly Tags: readonly string[] | null;
  readonly Address: string;
  readonly Port: number;
}

export interface ServiceSummary {
  readonly name: string;
  readonly tags: readonly string[];
  readonly passing: number;
  readonly warning: number;
  readonly critical: number;
}

/** One blocking GET: the body and the X-Consul-Index to pass next time. */
export type BlockingGet = (path: string, index: number, signal: AbortSignal) => Promise<{ index: number; body: unknown }>;

export const WAIT = '60s';

/** A BlockingGet against an agent's HTTP address. */
export function httpBlockingGet(address: string): BlockingGet {
  const base = agentBaseUrl(address);
  return async (path, index, signal) => {
    const url = new URL(`${base}${path}`);
    if (index > 0) {
      url.searchParams.set('index', String(index));
      url.searchParams.set('wait', WAIT);
    }
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(90_000)]) });
    const text = await res.text();
    if (res.status === 404) return { index: 0, body: null };
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text.trim().slice(0, 200)}`);
    const next = Number(res.headers.get('x-consul-index') ?? '0');
    return { index: Number.isSafeInteger(next) && next > 0 ? next : 0, body: JSON.parse(text) as unknown };
  };
}

/**
 * Runs `get(path)` as a watch: each answer goes to `onValue`, then the next request blocks on
 * its index. Errors back off (1 s doubling to 10 s) and go to `onError`. Returns a stop function.
 */
export function watchPath(
  get: BlockingGet,
  path: string,
  onValue: (body: unknown) => void,
  onError: (err: Error) => void = () => {},
): () => void {
  const abort = new AbortController();
  void (async () => {
    let index = 0;
    let delay = 1_000;
    while (!abort.signal.aborted) {
      try {
        const answer = await get(path, index, abort.signal);
        if (abort.signal.aborted) return;
        // An index going backwards (a restarted agent, a snapshot restore) starts over.
        const changed = index === 0 || answer.index !== index;
        index = answer.index < index ? 0 : answer.index;
        if (changed) onValue(answer.body);
        delay = 1_000;
        if (answer.index === 0) await sleep(5_000, abort.signal);
      } catch (err) {
        if (abort.signal.aborted) return;
        onError(err instanceof Error ? err : new Error(String(err)));
        index = 0;
        await sleep(delay, abort.signal);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  })();
  return () => abort.abort();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

export function asChecks(body: unknown): CheckRow[] {
  return Array.isArray(body) ? (body.filter((c) => typeof c === 'object' && c !== null && typeof c.Node === 'string') as CheckRow[]) : [];
}

/** Every catalog service with its checks counted by state (node-level checks are not counted). */
export function summarizeServices(catalog: Readonly<Record<string, readonly string[] | null>>, checks: readonly CheckRow[]): ServiceSummary[] {
  const counts = new Map<string, { passing: number; warning: number; critical: number }>();
  for (const name of Object.keys(catalog)) counts.set(name, { passing: 0, warning: 0, critical: 0 });
  for (const c of checks) {
    if (!c.ServiceName) continue;
    const entry = counts.get(c.ServiceName) ?? { passing: 0, warning: 0, critical: 0 };
    if (c.Status === 'passing' || c.Status === 'warning' || c.Status === 'critical') entry[c.Status]++;
    counts.set(c.ServiceName, entry);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, c]) => ({ name, tags: catalog[name] ?? [], ...c }));
}

const checkKey = (c: CheckRow): string => `${c.Node}\u0000${c.CheckID}`;

/** Event lines for checks whose state changed between two reads (none on the first read). */
export function checkTransitions(before: readonly CheckRow[] | null, after: readonly CheckRow[], at: number): EventLine[] {
  if (before === null) return [];
  const old = new Map(before.map((c) => [checkKey(c), c]));
  const lines: EventLine[] = [];
  for (const c of after) {
    const was = old.get(checkKey(c));
    if (!was || was.Status === c.Status) continue;
    const level = c.Status === 'critical' ? 'error' : c.Status === 'warning' ? 'warn' : 'info';
    const what = c.ServiceName ? `${c.ServiceName} on ${c.Node}` : c.Node;
    lines.push({ at, kind: 'check', level, text: `check ${c.Name || c.CheckID} (${what}): ${was.Status} → ${c.Status}` });
  }
  return lines;
}
