import type { CommandLog } from '../../catalog/command-log.js';
import type { SessionEvent } from '../../catalog/store.js';
import type { SessionRecord } from '../../catalog/types.js';
import type { Clock, Timer } from '../../shared/clock.js';
import { parseDuration } from '../../shared/duration.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

/**
 * Consul's SessionTTLMultiplier: a session expires TTL × 2 after its creation or last renewal,
 * so a client renewing every TTL/2 has slack for a slow network or a leader change.
 */
export const SESSION_TTL_MULTIPLIER = 2;
/** After a failed expiry proposal (no leader for a moment), try again this much later, at most this often. */
const RETRY_MS = 1_000;
const MAX_ATTEMPTS = 6;

export interface SessionTtlDeps {
  readonly log: Pick<CommandLog, 'propose'>;
  readonly sessions: () => readonly SessionRecord[];
  readonly isLeader: () => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The TTL as milliseconds; 0 for none (or one that does not parse, which the API never admits). */
export function sessionTtlMs(session: Pick<SessionRecord, 'TTL'>): number {
  if (!session.TTL) return 0;
  try {
    return parseDuration(session.TTL);
  } catch {
    return 0;
  }
}

/**
 * Session TTL expiry, a leader duty (Consul's session_ttl.go). The leader keeps a timer per
 * session with a TTL, (re)started at TTL × 2 whenever the session is created or renewed — both
 * are log entries, so the leader sees them as it applies them. On expiry it proposes the
 * session's destruction, which every replica applies the same way (locks released or deleted,
 * lock-delay started). Timers are not replicated: a new leader restarts every session's timer
 * at a full TTL × 2 from its election, which is the grace a client gets across a leader change
 * (it may take up to that long past the last renewal for a session to expire).
 */
export class SessionTtlTimers {
  private readonly timers = new Map<string, Timer>();

  constructor(private readonly deps: SessionTtlDeps) {}

  /** Leadership gained: forget whatever was running and restart every session's timer. */
  leadershipGained(): void {
    this.clear();
    for (const session of this.deps.sessions()) this.reset(session);
  }

  /** A session event applied here; only the leader keeps timers. */
  onSessionEvent(event: SessionEvent): void {
    if (event.kind === 'destroyed') return this.cancel(event.id);
    if (!this.deps.isLeader()) {
      // No longer (or not yet) leading: whoever leads has its own timers.
      if (this.timers.size > 0) this.clear();
      return;
    }
    this.reset(event.session);
  }

  /** Sessions with a running timer (tests, metrics). */
  active(): number {
    return this.timers.size;
  }

  stop(): void {
    this.clear();
  }

  private reset(session: SessionRecord): void {
    const ttl = sessionTtlMs(session);
    this.cancel(session.ID);
    if (ttl <= 0) return;
    const timer = this.deps.clock.setTimeout(() => {
      this.timers.delete(session.ID);
      void this.expire(session.ID, 1);
    }, ttl * SESSION_TTL_MULTIPLIER);
    this.timers.set(session.ID, timer);
  }

  private async expire(id: string, attempt: number): Promise<void> {
    if (!this.deps.isLeader()) return;
    try {
      this.deps.logger.info({ session: id }, 'session TTL expired; destroying it');
      await this.deps.log.propose({ type: 'session', op: 'destroy', id });
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !this.deps.isLeader()) {
        this.deps.logger.warn({ session: id, err: errorMessage(err) }, 'session expiry failed; the next leader will retry');
        return;
      }
      // A renewal that lands meanwhile starts a new timer, which supersedes this retry.
      const retry = this.deps.clock.setTimeout(() => {
        if (this.timers.get(id) === retry) {
          this.timers.delete(id);
          void this.expire(id, attempt + 1);
        }
      }, RETRY_MS * attempt);
      this.timers.set(id, retry);
    }
  }

  private cancel(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
  }

  private clear(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }
}

/**
 * Wires the timers into an agent (src/agent/start.ts calls this once): listens to the store's
 * session events and to leadership changes. Clients never lead, so theirs stay empty.
 */
export function startSessionTtl(deps: {
  store: { sessions(): SessionRecord[]; onSessionEvent(listener: (event: SessionEvent) => void): () => void };
  log: Pick<CommandLog, 'propose'>;
  role: { isLeader(): boolean; onLeadershipGained(listener: () => void): void };
  clock: Clock;
  logger: Logger;
}): { timers: SessionTtlTimers; stop(): void } {
  const timers = new SessionTtlTimers({
    log: deps.log,
    sessions: () => deps.store.sessions(),
    isLeader: () => deps.role.isLeader(),
    clock: deps.clock,
    logger: deps.logger.child({ module: 'leader.sessions' }),
  });
  const unsubscribe = deps.store.onSessionEvent((event) => timers.onSessionEvent(event));
  deps.role.onLeadershipGained(() => timers.leadershipGained());
  // Leading already (a -dev agent elects itself within milliseconds of starting).
  if (deps.role.isLeader()) timers.leadershipGained();
  return {
    timers,
    stop() {
      unsubscribe();
      timers.stop();
    },
  };
}
