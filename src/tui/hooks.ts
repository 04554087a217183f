/**
 * Where the monitor's data comes from: the agent's stream (with reconnect and backoff), the
 * HTTP health reads (blocking queries), the terminal size and a ticking clock. Components stay
 * pure; App.tsx wires these to them.
 */
import { useEffect, useMemo, useReducer, useRef, useState, type Dispatch } from 'react';
import { useStdout } from 'ink';
import type { WatchFrame } from '../rpc/local-api-codec.js';
import { asChecks, checkTransitions, summarizeServices, watchPath, type BlockingGet, type CheckRow, type ServiceRow, type ServiceSummary } from './health.js';
import { initialState, reduce, type MonitorAction, type MonitorState } from './model.js';

/** Opens one stream; the hook calls it again (after a backoff) whenever the stream ends. */
export type Connector = (handlers: { onFrame(frame: WatchFrame): void; onEnd(reason: Error): void }) => { cancel(): void };

export interface StreamOptions {
  /** First retry delay, doubled on each failure up to maxBackoffMs. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * At most one batch of frames is applied (one React render) per this many ms: a frame after a
   * quiet spell is applied at once, frames arriving during a burst wait for the window to end.
   */
  readonly batchMs?: number;
  readonly now?: () => number;
}

export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The agent's live state: a snapshot, then changes, folded by the reducer. When the stream ends
 * the state is kept (shown under a banner) and the hook reconnects after 250 ms, 500 ms, ... 5 s;
 * a new snapshot replaces everything once it is back.
 */
export function useAgentStream(connect: Connector, options: StreamOptions = {}): [MonitorState, Dispatch<MonitorAction>] {
  const [state, dispatch] = useReducer(reduce, initialState);
  const { initialBackoffMs = 250, maxBackoffMs = 5_000, batchMs = 100 } = options;
  const now = options.now ?? Date.now;
  const nowRef = useRef(now);
  nowRef.current = now;

  useEffect(() => {
    let stopped = false;
    let handle: { cancel(): void } | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let buffer: WatchFrame[] = [];
    let attempt = 0;
    let lastFlush = -Infinity;

    const flush = (): void => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      if (buffer.length === 0) return;
      const frames = buffer;
      buffer = [];
      lastFlush = performance.now();
      dispatch({ type: 'frames', frames });
    };

    const ended = (reason: Error): void => {
      if (stopped) return;
      flush();
      const delay = backoffDelay(attempt, initialBackoffMs, maxBackoffMs);
      const at = nowRef.current();
      dispatch({ type: 'unreachable', error: reason.message, attempt, retryAt: at + delay, at });
      retry = setTimeout(open, delay);
    };

    function open(): void {
      if (stopped) return;
      attempt++;
      dispatch({ type: 'connecting', attempt });
      let live = false;
      try {
        handle = connect({
          onFrame(frame) {
            if (stopped) return;
            if (!live) {
              live = true;
              attempt = 0;
            }
            buffer.push(frame);
            // Leading edge: 1 ms lets frames of the same burst (one gossip packet) join the batch.
            flushTimer ??= setTimeout(flush, Math.max(1, lastFlush + batchMs - performance.now()));
          },
          onEnd: ended,
        });
      } catch (err) {
        ended(err instanceof Error ? err : new Error(String(err)));
      }
    }

    open();
    return () => {
      stopped = true;
      handle?.cancel();
      if (retry) clearTimeout(retry);
      if (flushTimer) clearTimeout(flushTimer);
    };
  }, [connect, initialBackoffMs, maxBackoffMs, batchMs]);

  return [state, dispatch];
}

export interface Health {
  readonly services: ServiceSummary[] | null;
  readonly checks: CheckRow[] | null;
  readonly error: string | null;
}

/**
 * The catalog's services and every check, each kept current by a blocking query. Check state
 * transitions go to the event log through `dispatch`.
 */
export function useHealth(get: BlockingGet | null, dispatch: Dispatch<MonitorAction>, now: () => number = Date.now): Health {
  const [catalog, setCatalog] = useState<Record<string, string[] | null> | null>(null);
  const [checks, setChecks] = useState<CheckRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const previous = useRef<CheckRow[] | null>(null);

  useEffect(() => {
    if (!get) return;
    const fail = (err: Error): void => setError(`HTTP: ${err.message}`);
    const stopCatalog = watchPath(get, '/v1/catalog/services', (body) => {
      setError(null);
      setCatalog(typeof body === 'object' && body !== null ? (body as Record<string, string[] | null>) : {});
    }, fail);
    const stopChecks = watchPath(get, '/v1/health/state/any', (body) => {
      setError(null);
      const list = asChecks(body);
      const lines = checkTransitions(previous.current, list, now());
      previous.current = list;
      if (lines.length > 0) dispatch({ type: 'events', lines });
      setChecks(list);
    }, fail);
    return () => {
      stopCatalog();
      stopChecks();
    };
  }, [get, dispatch, now]);

  const services = useMemo(() => (catalog ? summarizeServices(catalog, checks ?? []) : null), [catalog, checks]);
  return { services, checks, error };
}

/** One node's services from the catalog, kept current while `node` is set. */
export function useNodeServices(get: BlockingGet | null, node: string | null): ServiceRow[] | null | 'absent' {
  const [value, setValue] = useState<{ node: string; services: ServiceRow[] | 'absent' } | null>(null);
  useEffect(() => {
    if (!get || !node) return;
    return watchPath(get, `/v1/catalog/node-services/${encodeURIComponent(node)}`, (body) => {
      const services = (body as { Services?: ServiceRow[] } | null)?.Services;
      setValue({ node, services: Array.isArray(services) ? services : 'absent' });
    });
  }, [get, node]);
  return value && value.node === node ? value.services : null;
}

/** The terminal's size, following resizes. */
export function useTerminalSize(fallback = { columns: 100, rows: 30 }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || fallback.columns, rows: stdout.rows || fallback.rows });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stdout]);
  return size;
}

/** The current time, re-read every `everyMs` (ages and the retry countdown). */
export function useNow(now: () => number = Date.now, everyMs = 1_000): number {
  const [value, setValue] = useState(now);
  useEffect(() => {
    const timer = setInterval(() => setValue(now()), everyMs);
    return () => clearInterval(timer);
  }, [now, everyMs]);
  return value;
}
