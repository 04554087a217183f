import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { agentBaseUrl } from '../client/address.js';
import { AgentUnreachableError, ApiError } from '../client/transport.js';
import { parseDuration } from '../shared/duration.js';
import { AppError } from '../shared/errors.js';
import { blockingGet } from './blocking.js';

/**
 * `roster lock PREFIX CMD…`: Consul's `consul lock`, with the fencing token handed to the
 * child. A session (TTL, renewed at TTL/2) takes the lock on PREFIX/.lock in a one-op
 * transaction, whose result carries the entry's LockIndex and ModifyIndex at the moment of
 * acquisition — the fencing token, in ROSTER_LOCK_MODIFY_INDEX. CMD runs while the lock is held;
 * if the lock is lost (session invalidated, TTL lapsed, key taken away) CMD is sent SIGTERM.
 * When CMD exits, or on SIGINT/SIGTERM (forwarded to CMD), the lock is released and the session
 * destroyed.
 */

export interface LockOptions {
  address: string;
  prefix: string;
  command: string;
  /** Session TTL ("15s"): how long after this process dies the lock is freed at the latest (×2). */
  ttl: string;
  /** Session lock-delay ("15s"): after an invalidation, nobody may take the lock for this long. */
  lockDelay: string;
  name: string;
  /** Give up waiting for the lock after this many ms (0 = wait forever). */
  timeoutMs: number;
  verbose: (line: string) => void;
}

export interface LockHeld {
  key: string;
  session: string;
  lockIndex: number;
  modifyIndex: number;
}

/** The key a lock on PREFIX uses (Consul's path.Join(prefix, ".lock")). */
export function lockKey(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '.lock' : `${trimmed}/.lock`;
}

/** The environment CMD gets: where the lock is, and the fencing token to present downstream. */
export function lockEnv(held: LockHeld): Record<string, string> {
  return {
    ROSTER_LOCK_KEY: held.key,
    ROSTER_LOCK_SESSION: held.session,
    ROSTER_LOCK_INDEX: String(held.lockIndex),
    ROSTER_LOCK_MODIFY_INDEX: String(held.modifyIndex),
  };
}

const seg = (value: string): string => encodeURIComponent(value).replace(/%(3A|40|24|26|2B|2C|3B|3D)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

async function call(address: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const base = agentBaseUrl(address);
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      signal: AbortSignal.timeout(30_000),
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  } catch (err) {
    throw new AgentUnreachableError(base, err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.message) : String(err));
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    // plain-text error bodies
  }
  return { status: res.status, json, text };
}

function expectOk(r: { status: number; text: string }, what: string): void {
  if (r.status < 200 || r.status > 299) throw new ApiError(r.status === 400 ? 'BAD_REQUEST' : r.status === 404 ? 'NOT_FOUND' : 'INTERNAL', `${what}: ${r.text.trim() || `HTTP ${r.status}`}`, r.status);
}

export async function createSession(o: Pick<LockOptions, 'address' | 'ttl' | 'lockDelay' | 'name'>): Promise<string> {
  const r = await call(o.address, 'PUT', '/v1/session/create', { Name: o.name, TTL: o.ttl, LockDelay: o.lockDelay, Behavior: 'release' });
  expectOk(r, 'creating the session');
  return (r.json as { ID: string }).ID;
}

/** One attempt: the lock and its indexes, or undefined when another session holds it (or lock-delay is on). */
export async function tryAcquire(address: string, key: string, session: string, value: string): Promise<LockHeld | undefined> {
  const r = await call(address, 'PUT', '/v1/txn', [{ KV: { Verb: 'lock', Key: key, Value: Buffer.from(value).toString('base64'), Session: session } }]);
  if (r.status === 409) {
    const what = (r.json as { Errors?: { What: string }[] } | null)?.Errors?.[0]?.What ?? '';
    if (/invalid session/.test(what)) throw new AppError('BAD_REQUEST', `the lock session is gone: ${what}`);
    return undefined;
  }
  expectOk(r, 'acquiring the lock');
  const kv = (r.json as { Results: { KV: { LockIndex: number; ModifyIndex: number } }[] }).Results[0]!.KV;
  return { key, session, lockIndex: kv.LockIndex, modifyIndex: kv.ModifyIndex };
}

export async function release(address: string, key: string, session: string): Promise<void> {
  await call(address, 'PUT', `/v1/kv/${key.split('/').map(seg).join('/')}?release=${encodeURIComponent(session)}`).catch(() => undefined);
}

export async function destroySession(address: string, session: string): Promise<void> {
  await call(address, 'PUT', `/v1/session/destroy/${seg(session)}`).catch(() => undefined);
}

/** Renews the session; false when it is gone (the lock with it). */
export async function renewSession(address: string, session: string): Promise<boolean> {
  const r = await call(address, 'PUT', `/v1/session/renew/${seg(session)}`);
  if (r.status === 404) return false;
  expectOk(r, 'renewing the session');
  return true;
}

/** Waits until the key is free (no session) or `signal` aborts; blocking queries, no polling. */
export async function waitUntilFree(address: string, key: string, signal: AbortSignal, deadline: number): Promise<void> {
  let index = '0';
  while (!signal.aborted) {
    const wait = deadline > 0 ? `${Math.max(1, Math.ceil((deadline - Date.now()) / 1000))}s` : '5m';
    const answer = await blockingGet(address, `/v1/kv/${key.split('/').map(seg).join('/')}`, {}, { index, wait, signal });
    const entry = Array.isArray(answer.body) ? (answer.body[0] as { Session?: string } | undefined) : undefined;
    if (!entry?.Session) return;
    if (deadline > 0 && Date.now() >= deadline) return;
    index = answer.index;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Signal numbers for a conventional 128+n exit status. */
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/** The whole `roster lock` run; resolves with the exit status to use. */
export async function runLocked(o: LockOptions): Promise<number> {
  const key = lockKey(o.prefix);
  const abort = new AbortController();
  let child: ChildProcess | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    if (child && child.exitCode === null) child.kill(signal);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const session = await createSession(o);
  o.verbose(`session ${session} created`);
  try {
    const deadline = o.timeoutMs > 0 ? Date.now() + o.timeoutMs : 0;
    let held: LockHeld | undefined;
    while (!held) {
      if (abort.signal.aborted) return 1;
      held = await tryAcquire(o.address, key, session, `${hostname()} pid ${process.pid}`);
      if (held) break;
      if (deadline > 0 && Date.now() >= deadline) {
        process.stderr.write(`roster lock: timed out waiting for ${key}\n`);
        return 1;
      }
      o.verbose(`${key} is held; waiting`);
      await waitUntilFree(o.address, key, abort.signal, deadline);
      // Free but refused: lock-delay after an invalidation. Try again shortly.
      await sleep(250, abort.signal);
    }
    o.verbose(`acquired ${key}: LockIndex ${held.lockIndex}, ModifyIndex ${held.modifyIndex} (fencing token)`);

    let lost = false;
    const childDone = new Promise<number>((resolve) => {
      child = spawn('/bin/sh', ['-c', o.command], { stdio: 'inherit', env: { ...process.env, ...lockEnv(held) } });
      child.on('error', (err) => {
        process.stderr.write(`roster lock: cannot run the command: ${err.message}\n`);
        resolve(127);
      });
      child.on('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 1)));
    });
    const loseLock = (why: string): void => {
      if (lost) return;
      lost = true;
      process.stderr.write(`roster lock: lock lost (${why}); stopping the command\n`);
      if (child && child.exitCode === null) child.kill('SIGTERM');
    };
    // Renew at TTL/2; watch the key for anyone taking it away.
    const ttlMs = parseDuration(o.ttl) || 15_000;
    const renewer = setInterval(() => {
      renewSession(o.address, session)
        .then((alive) => (alive ? undefined : loseLock('session expired')))
        .catch((err: unknown) => o.verbose(`renew failed: ${err instanceof Error ? err.message : String(err)}`));
    }, Math.max(1_000, ttlMs / 2));
    const monitor = (async () => {
      let index = held.modifyIndex > 0 ? String(held.modifyIndex) : '1';
      while (!abort.signal.aborted && !lost) {
        try {
          const answer = await blockingGet(o.address, `/v1/kv/${key.split('/').map(seg).join('/')}`, {}, { index, signal: abort.signal });
          const entry = Array.isArray(answer.body) ? (answer.body[0] as { Session?: string } | undefined) : undefined;
          if (entry?.Session !== session) return loseLock(entry ? 'the key is no longer held by this session' : 'the key was deleted');
          index = answer.index;
        } catch {
          if (abort.signal.aborted) return;
          await sleep(1_000, abort.signal);
        }
      }
    })();
    const code = await childDone;
    clearInterval(renewer);
    abort.abort();
    await monitor;
    if (!lost) await release(o.address, key, session);
    o.verbose(`released ${key}`);
    return lost && code === 0 ? 1 : code;
  } finally {
    await destroySession(o.address, session);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (interrupted) o.verbose('interrupted');
  }
}
