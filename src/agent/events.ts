/**
 * Consul's user events on the agent (agent/user_event.go, our own code): firing validates and
 * wraps the event (ID, filters, version) and hands it to the LAN Serf; every event Serf
 * delivers is unwrapped, checked against this agent's node name and services, and kept in a
 * ring of the last 256 that `/v1/event/list` reads. All agents fire straight into the pool
 * (Consul's clients forward to a server first; the gossip that follows is the same).
 */
import { decodeMessage, encodeMessage } from '../gossip/net/codec.js';
import type { SerfUserEvent } from '../gossip/serf/serf.js';
import type { UserEventRequest, UserEventView } from '../http/agent-port.js';
import { AppError, badRequest, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';

/** Consul keeps the last 256 events an agent has seen. */
export const EVENT_RING_SIZE = 256;
/** Consul's userEventMaxVersion. */
export const USER_EVENT_VERSION = 1;
/** Serf event names of Consul user events carry this prefix. */
export const USER_EVENT_PREFIX = 'consul:event:';

/** The agent's services, as far as event filters look at them. */
export interface EventServiceInfo {
  Name: string;
  Tags: readonly string[];
}

/** Consul's validateUserEventParams, plus our reserved-name rule. */
export function validateUserEvent(request: UserEventRequest): void {
  if (request.name === '') throw badRequest('User event missing name');
  if (request.name.startsWith('_')) throw badRequest(`User event name "${request.name}" is reserved: names starting with "_" are internal`);
  if (request.tagFilter !== '' && request.serviceFilter === '') throw badRequest('Cannot provide tag filter without service filter');
  for (const [what, pattern] of [['node', request.nodeFilter], ['service', request.serviceFilter], ['tag', request.tagFilter]] as const) {
    if (pattern === '') continue;
    try {
      new RegExp(pattern);
    } catch (err) {
      throw badRequest(`Invalid ${what} filter: ${errorMessage(err)}`);
    }
  }
}

/**
 * Consul's shouldProcessUserEvent: the node filter must match this node's name; the service
 * filter must match one of its services' names, and, with a tag filter, one of that service's
 * tags. Regexes search (unanchored), as Go's MatchString does. A filter that does not compile
 * matches nothing.
 */
export function eventMatches(
  filters: { NodeFilter: string; ServiceFilter: string; TagFilter: string },
  nodeName: string,
  services: readonly EventServiceInfo[],
): boolean {
  const compile = (pattern: string): RegExp | undefined => {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  };
  if (filters.NodeFilter !== '') {
    const re = compile(filters.NodeFilter);
    if (!re || !re.test(nodeName)) return false;
  }
  if (filters.ServiceFilter !== '') {
    const re = compile(filters.ServiceFilter);
    if (!re) return false;
    const tagRe = filters.TagFilter !== '' ? compile(filters.TagFilter) : undefined;
    if (filters.TagFilter !== '' && !tagRe) return false;
    const found = services.some((s) => re.test(s.Name) && (!tagRe || s.Tags.some((t) => tagRe.test(t))));
    if (!found) return false;
  }
  return true;
}

function base64(payload: Uint8Array): string | null {
  return payload.length === 0 ? null : Buffer.from(payload).toString('base64');
}

/** The event as gossiped: Consul's msgpack field names. */
function encodeEvent(view: UserEventView, payload: Uint8Array): Uint8Array {
  const wire: Record<string, unknown> = { ID: view.ID, n: view.Name, v: view.Version };
  if (payload.length > 0) wire.p = payload;
  if (view.NodeFilter) wire.nf = view.NodeFilter;
  if (view.ServiceFilter) wire.sf = view.ServiceFilter;
  if (view.TagFilter) wire.tf = view.TagFilter;
  return encodeMessage(wire);
}

function decodeEvent(bytes: Uint8Array, ltime: number): UserEventView {
  const o = decodeMessage(bytes) as Record<string, unknown>;
  const text = (key: string): string => {
    const v = o[key] ?? '';
    if (typeof v !== 'string') throw new Error(`${key} must be a string`);
    return v;
  };
  const p = o.p ?? new Uint8Array(0);
  if (!(p instanceof Uint8Array)) throw new Error('payload must be bytes');
  const version = o.v ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version)) throw new Error('version must be an integer');
  return { ID: text('ID'), Name: text('n'), Payload: base64(p), NodeFilter: text('nf'), ServiceFilter: text('sf'), TagFilter: text('tf'), Version: version, LTime: ltime };
}

/** The part of Serf that events use (the LAN pool's Serf in the agent; a loopback in tests). */
export interface UserEventBus {
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): unknown;
  onUserEvent(listener: (event: SerfUserEvent) => void): void;
}

export interface AgentEventsDeps {
  /** The LAN pool's Serf. */
  serf: UserEventBus;
  nodeName: string;
  /** This agent's services, read when an event arrives. */
  services: () => readonly EventServiceInfo[];
  random: Random;
  logger: Logger;
  ringSize?: number;
}

export class AgentEvents {
  private readonly ring: (UserEventView | undefined)[];
  private next = 0;
  /** One shared promise per "next event", so waiters that time out leave nothing behind. */
  private nextEvent: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(private readonly deps: AgentEventsDeps) {
    this.ring = new Array<UserEventView | undefined>(deps.ringSize ?? EVENT_RING_SIZE).fill(undefined);
    deps.serf.onUserEvent((event) => this.onSerfEvent(event));
  }

  /** Validates, wraps and fires; the reply is Consul's (LTime 0: the time is not known yet). */
  fire(request: UserEventRequest): UserEventView {
    validateUserEvent(request);
    const view: UserEventView = {
      ID: this.deps.random.uuid(),
      Name: request.name,
      Payload: base64(request.payload),
      NodeFilter: request.nodeFilter,
      ServiceFilter: request.serviceFilter,
      TagFilter: request.tagFilter,
      Version: USER_EVENT_VERSION,
      LTime: 0,
    };
    const body = encodeEvent(view, request.payload);
    try {
      this.deps.serf.userEvent(USER_EVENT_PREFIX + request.name, body, false);
    } catch (err) {
      if (err instanceof AppError && err.code === 'TOO_LARGE') {
        throw new AppError('TOO_LARGE', `${err.message}; keep event name and payload well under 512 bytes`);
      }
      throw err;
    }
    return view;
  }

  /** Oldest first. */
  list(): UserEventView[] {
    const n = this.ring.length;
    const out: UserEventView[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.ring[(this.next + i) % n];
      if (e) out.push(e);
    }
    return out;
  }

  /** Resolves when the next event is recorded. */
  changed(): Promise<void> {
    if (!this.nextEvent) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.nextEvent = { promise, resolve };
    }
    return this.nextEvent.promise;
  }

  private onSerfEvent(event: SerfUserEvent): void {
    if (!event.name.startsWith(USER_EVENT_PREFIX)) return;
    let view: UserEventView;
    try {
      view = decodeEvent(event.payload, event.ltime);
    } catch (err) {
      this.deps.logger.error({ err: errorMessage(err) }, 'failed to decode user event');
      return;
    }
    if (view.Version > USER_EVENT_VERSION) {
      this.deps.logger.warn({ version: view.Version, event: view.Name }, 'user event version may have unsupported features');
    }
    if (!eventMatches(view, this.deps.nodeName, this.deps.services())) return;
    this.deps.logger.debug({ event: view.Name, id: view.ID }, 'new user event');
    this.ring[this.next] = view;
    this.next = (this.next + 1) % this.ring.length;
    const waiting = this.nextEvent;
    this.nextEvent = undefined;
    waiting?.resolve();
  }
}
