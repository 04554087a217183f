/**
 * Serf's peer snapshot (snapshot.go, in our own code): an append-only text file of member
 * news and Lamport clocks, so a restarted agent knows whom to rejoin and which old events to
 * ignore. Lines:
 *
 *   alive: <name> <ip:port>     not-alive: <name>     clock: <n>     event-clock: <n>
 *   query-clock: <n>            leave                 # comment
 *
 * Lines are buffered and written every flush interval, fsync'd every sync interval (not per
 * line), and always flushed and fsync'd on leave and close. When the file outgrows twice the
 * estimated size of its live content (and at least minCompactSize), it is rewritten from the
 * in-memory state into `<path>.compact`, fsync'd, and renamed over the original.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, Timer } from '../../shared/clock.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Random } from '../../shared/random.js';

export interface SnapshotState {
  /** Node name → "ip:port" of every member last known alive. */
  aliveNodes: Map<string, string>;
  lastClock: number;
  lastEventClock: number;
  lastQueryClock: number;
  /** The file ends with a graceful leave (with rejoinAfterLeave false, aliveNodes is then empty). */
  leftGracefully: boolean;
}

/** serf: estimated bytes per node, and the factor over that estimate before compacting. */
const BYTES_PER_NODE = 128;
const COMPACTION_FACTOR = 2;
export const DEFAULT_MIN_COMPACT_SIZE = 128 * 1024;
export const DEFAULT_FLUSH_INTERVAL_MS = 500;
export const DEFAULT_SYNC_INTERVAL_MS = 5_000;
const COMPACT_SUFFIX = '.compact';

/**
 * Replays snapshot text into state. A leave clears what came before it unless
 * `rejoinAfterLeave` (Consul's rejoin_after_leave / -rejoin) says to ignore it. Bad lines are
 * reported through `warn` and skipped: a torn last line after a crash must not stop a start.
 */
export function replaySnapshot(text: string, rejoinAfterLeave: boolean, warn: (message: string) => void = () => {}): SnapshotState {
  const state: SnapshotState = { aliveNodes: new Map(), lastClock: 0, lastEventClock: 0, lastQueryClock: 0, leftGracefully: false };
  const lines = text.split('\n');
  // Only newline-terminated lines count: the last piece is either empty or torn.
  lines.pop();
  const clockValue = (line: string, prefix: string): number | undefined => {
    const raw = line.slice(prefix.length);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      warn(`snapshot: bad clock line: ${line}`);
      return undefined;
    }
    return Number(raw);
  };
  for (const line of lines) {
    if (line.startsWith('alive: ')) {
      const info = line.slice('alive: '.length);
      const cut = info.lastIndexOf(' ');
      if (cut <= 0) {
        warn(`snapshot: bad alive line: ${line}`);
        continue;
      }
      state.aliveNodes.set(info.slice(0, cut), info.slice(cut + 1));
      state.leftGracefully = false;
    } else if (line.startsWith('not-alive: ')) {
      state.aliveNodes.delete(line.slice('not-alive: '.length));
    } else if (line.startsWith('clock: ')) {
      state.lastClock = clockValue(line, 'clock: ') ?? state.lastClock;
    } else if (line.startsWith('event-clock: ')) {
      state.lastEventClock = clockValue(line, 'event-clock: ') ?? state.lastEventClock;
    } else if (line.startsWith('query-clock: ')) {
      state.lastQueryClock = clockValue(line, 'query-clock: ') ?? state.lastQueryClock;
    } else if (line === 'leave') {
      state.leftGracefully = true;
      if (rejoinAfterLeave) continue;
      state.aliveNodes.clear();
      state.lastClock = 0;
      state.lastEventClock = 0;
      state.lastQueryClock = 0;
    } else if (line.startsWith('#') || line === '') {
      // comment
    } else {
      warn(`snapshot: unrecognized line: ${line.slice(0, 80)}`);
    }
  }
  return state;
}

export interface SnapshotterOptions {
  path: string;
  rejoinAfterLeave: boolean;
  clock: Clock;
  logger: Logger;
  /** The live Lamport clocks, read on every flush tick (serf's clockUpdateInterval). */
  clocks: () => { clock: number; eventClock: number; queryClock: number };
  minCompactSize?: number;
  flushIntervalMs?: number;
  syncIntervalMs?: number;
}

export class Snapshotter {
  /** What the file held when opened. */
  readonly replayed: SnapshotState;
  private readonly alive: Map<string, string>;
  private lastClock: number;
  private lastEventClock: number;
  private lastQueryClock: number;
  private fd: number;
  private offset: number;
  private pending: string[] = [];
  private unsynced = false;
  private leaving = false;
  private closed = false;
  private readonly flushTimer: Timer;
  private readonly syncTimer: Timer;
  private readonly minCompactSize: number;
  /** Counts, for tests and metrics. */
  compactions = 0;
  syncs = 0;

  private constructor(private readonly options: SnapshotterOptions, text: string) {
    this.replayed = replaySnapshot(text, options.rejoinAfterLeave, (m) => options.logger.warn(m));
    this.alive = new Map(this.replayed.aliveNodes);
    this.lastClock = this.replayed.lastClock;
    this.lastEventClock = this.replayed.lastEventClock;
    this.lastQueryClock = this.replayed.lastQueryClock;
    this.minCompactSize = options.minCompactSize ?? DEFAULT_MIN_COMPACT_SIZE;
    this.fd = openSync(options.path, 'a', 0o600);
    this.offset = Buffer.byteLength(text);
    this.flushTimer = options.clock.setInterval(() => this.tick(), options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.syncTimer = options.clock.setInterval(() => this.sync(), options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS);
  }

  /** Opens (creating it and its directory, 0700/0600) and replays the snapshot at `path`. */
  static open(options: SnapshotterOptions): Snapshotter {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    const text = existsSync(options.path) ? readFileSync(options.path, 'utf8') : '';
    return new Snapshotter(options, text);
  }

  /** The members to rejoin, in random order so restarted agents do not all pick the same one. */
  previousNodes(random: Random, self: string): { name: string; addr: string }[] {
    const nodes = [...this.replayed.aliveNodes].filter(([name]) => name !== self).map(([name, addr]) => ({ name, addr }));
    for (let i = nodes.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [nodes[i], nodes[j]] = [nodes[j]!, nodes[i]!];
    }
    return nodes;
  }

  memberAlive(name: string, addr: string): void {
    if (this.leaving || this.alive.get(name) === addr) return;
    this.alive.set(name, addr);
    this.append(`alive: ${name} ${addr}\n`);
  }

  memberGone(name: string): void {
    if (this.leaving || !this.alive.has(name)) return;
    this.alive.delete(name);
    this.append(`not-alive: ${name}\n`);
  }

  userEvent(ltime: number): void {
    if (this.leaving || ltime <= this.lastEventClock) return;
    this.lastEventClock = ltime;
    this.append(`event-clock: ${ltime}\n`);
  }

  /** A graceful leave: forget the peers (unless rejoinAfterLeave), record it, make it durable. */
  leave(): void {
    if (this.leaving || this.closed) return;
    this.leaving = true;
    if (!this.options.rejoinAfterLeave) this.alive.clear();
    this.pending.push('leave\n');
    this.flush();
    this.sync();
  }

  /** Records the clocks, flushes and fsyncs, and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.updateClocks();
    this.flush();
    this.sync();
    this.closed = true;
    this.flushTimer.cancel();
    this.syncTimer.cancel();
    closeSync(this.fd);
  }

  private tick(): void {
    this.updateClocks();
    this.flush();
  }

  /** serf records clock − 1: the last time handed out, not the next one. */
  private updateClocks(): void {
    if (this.leaving || this.closed) return;
    const now = this.options.clocks();
    if (now.clock - 1 > this.lastClock) {
      this.lastClock = now.clock - 1;
      this.append(`clock: ${this.lastClock}\n`);
    }
    if (now.eventClock - 1 > this.lastEventClock) {
      this.lastEventClock = now.eventClock - 1;
      this.append(`event-clock: ${this.lastEventClock}\n`);
    }
    if (now.queryClock - 1 > this.lastQueryClock) {
      this.lastQueryClock = now.queryClock - 1;
      this.append(`query-clock: ${this.lastQueryClock}\n`);
    }
  }

  private append(line: string): void {
    if (this.closed) return;
    this.pending.push(line);
    this.offset += Buffer.byteLength(line);
    if (this.offset > this.maxSize()) this.compact();
  }

  private maxSize(): number {
    return Math.max(this.minCompactSize, this.alive.size * BYTES_PER_NODE * COMPACTION_FACTOR);
  }

  private flush(): void {
    if (this.closed || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      writeSync(this.fd, text);
      this.unsynced = true;
    } catch (err) {
      this.options.logger.error({ err: errorMessage(err), path: this.options.path }, 'snapshot: write failed');
    }
  }

  private sync(): void {
    if (this.closed || !this.unsynced) return;
    try {
      fsyncSync(this.fd);
      this.unsynced = false;
      this.syncs++;
    } catch (err) {
      this.options.logger.error({ err: errorMessage(err), path: this.options.path }, 'snapshot: fsync failed');
    }
  }

  /** Rewrites the file from memory: the live members and the clocks, nothing else. */
  private compact(): void {
    const path = this.options.path;
    const tmp = path + COMPACT_SUFFIX;
    const lines = [...this.alive].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, addr]) => `alive: ${name} ${addr}\n`);
    lines.push(`clock: ${this.lastClock}\n`, `event-clock: ${this.lastEventClock}\n`, `query-clock: ${this.lastQueryClock}\n`);
    const text = lines.join('');
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      syncDir(dirname(path));
    } catch (err) {
      // Keep appending to the old file; the next line over the limit tries again.
      this.options.logger.error({ err: errorMessage(err), path }, 'snapshot: compaction failed');
      return;
    }
    // Lines pending for the old file are in the compacted state already.
    this.pending = [];
    closeSync(this.fd);
    this.fd = openSync(path, 'a', 0o600);
    this.offset = Buffer.byteLength(text);
    this.unsynced = false;
    this.compactions++;
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse a directory fsync; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
