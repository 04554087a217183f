/**
 * Deterministic simulator for the SWIM core: a virtual clock and a seeded virtual network
 * (loss, delay, partitions, crashed and paused nodes) driving N Swim instances through their
 * effects. Every message crosses the "wire" as JSON and back through parseMessage, as it would
 * through the real codec. Same seed ⇒ same trace.
 */
import { seededRandom, type Random } from '../../src/shared/random.js';
import {
  parseMessage, Swim, type Member, type MemberState, type PacketMessage, type StreamMessage, type SwimConfig,
} from '../../src/gossip/core/index.js';

export interface SimNode {
  name: string;
  addr: string;
  swim: Swim;
  crashed: boolean;
  /** Neither sends nor receives (nor ticks) before this time. */
  pausedUntil: number;
}

type Delivery =
  | { at: number; seq: number; kind: 'packet'; from: string; to: string; payload: string }
  | { at: number; seq: number; kind: 'stream-request' | 'stream-reply'; from: string; to: string; payload: string };

export interface SimOptions {
  seed: number;
  config: SwimConfig;
  /** Probability each packet is dropped. Streams (TCP) are not lossy. */
  loss?: number;
  /** One-way delay range, ms. */
  delay?: [number, number];
  /** Keep the text trace (default true). Large benchmark runs turn it off to save memory. */
  keepTrace?: boolean;
  /** Called for every member event a node emits (cheaper than scanning the trace). */
  onEvent?: (now: number, observer: string, kind: string, member: Member) => void;
}

export class Sim {
  now = 0;
  readonly nodes: SimNode[] = [];
  /** Member events and notable actions, one line each, for determinism checks and debugging. */
  readonly trace: string[] = [];
  loss: number;
  private readonly delay: [number, number];
  private readonly net: Random;
  private readonly byAddr = new Map<string, SimNode>();
  private readonly byName = new Map<string, SimNode>();
  private readonly nodeIndex = new Map<SimNode, number>();
  private queue: Delivery[] = [];
  private seq = 0;
  private groups: Map<string, number> | undefined;
  /** Each node's next wake-up time (deadline, or end of pause), in an indexed min-heap by (time, index). */
  private readonly wake = new WakeHeap();
  /** Nodes whose swim was called since their wake time was last computed. */
  private readonly dirty = new Set<number>();
  /** swim.nextDeadline() as of the last refresh (valid while the node is not dirty). */
  private readonly deadlines: number[] = [];
  packetsSent = 0;
  /** Refused name claims (two nodes with one name), in the order nodes reported them. */
  readonly conflicts: { at: number; observer: string; name: string; knownAddr: string; claimedAddr: string }[] = [];

  constructor(private readonly opts: SimOptions) {
    this.net = seededRandom(opts.seed);
    this.loss = opts.loss ?? 0;
    this.delay = opts.delay ?? [1, 10];
  }

  /**
   * A new node with its own address. A name already taken makes a second node claiming it (a
   * name conflict); `node(name)` keeps returning the first, use the returned SimNode for the other.
   */
  addNode(name = `node-${this.nodes.length}`): SimNode {
    const i = this.nodes.length;
    const addr = `10.0.${i >> 8}.${(i & 255) + 1}:7946`;
    const swim = new Swim({
      name, addr, config: this.opts.config, random: seededRandom(this.opts.seed * 7919 + i + 1), now: this.now,
    });
    const node: SimNode = { name, addr, swim, crashed: false, pausedUntil: 0 };
    this.nodes.push(node);
    this.dirty.add(i);
    this.byAddr.set(addr, node);
    if (!this.byName.has(name)) this.byName.set(name, node);
    this.nodeIndex.set(node, i);
    return node;
  }

  node(name: string): SimNode {
    const n = this.byName.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  join(who: string | SimNode, seeds: string[]): void {
    const n = typeof who === 'string' ? this.node(who) : who;
    n.swim.join(seeds.map((s) => this.node(s).addr), this.now);
    this.flush(n);
  }

  leave(name: string): void {
    const n = this.node(name);
    n.swim.leave(this.now);
    this.flush(n);
    this.trace.push(`${this.now} ${name} leave`);
  }

  /** Bring a crashed node back as a fresh process (state lost, incarnation 1) and rejoin via `seed`. */
  restart(name: string, seed: string): void {
    const old = this.node(name);
    const i = this.nodes.indexOf(old);
    old.swim = new Swim({
      name, addr: old.addr, config: this.opts.config, random: seededRandom(this.opts.seed * 7919 + i + 10_001), now: this.now,
    });
    old.crashed = false;
    old.pausedUntil = 0;
    this.dirty.add(i);
    this.trace.push(`${this.now} ${name} restart`);
    this.join(name, [seed]);
  }

  crash(who: string | SimNode): void {
    const n = typeof who === 'string' ? this.node(who) : who;
    n.crashed = true;
    this.touch(n);
    this.trace.push(`${this.now} ${n.name} crash`);
  }

  pause(name: string, ms: number): void {
    this.node(name).pausedUntil = this.now + ms;
    this.touch(this.node(name));
    this.trace.push(`${this.now} ${name} pause ${ms}`);
  }

  partition(groups: string[][]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((name) => this.groups!.set(name, i)));
    this.trace.push(`${this.now} partition`);
  }

  heal(): void {
    this.groups = undefined;
    this.trace.push(`${this.now} heal`);
  }

  /** Advance virtual time to `until`, delivering packets and ticking nodes in time order. */
  runUntil(until: number): void {
    let spins = 0;
    let lastNow = -1;
    for (;;) {
      this.refreshWake();
      const next = Math.min(this.queue[0]?.at ?? Infinity, this.wake.minKey());
      if (next > until) break;
      this.now = Math.max(this.now, next);
      spins = this.now === lastNow ? spins + 1 : 0;
      lastNow = this.now;
      if (spins > 10_000) throw new Error(`simulation stuck at ${this.now}`);
      while (this.queue.length > 0 && this.queue[0]!.at <= this.now) this.deliver(this.queue.shift()!);
      // Ticking only schedules deliveries (latency >= 1 ms), so no tick changes another node's
      // deadline within this instant: collecting the due nodes first, then ticking them in index
      // order, is the same as scanning every node in index order.
      this.refreshWake();
      const due = this.wake.popUpTo(this.now);
      due.sort((a, b) => a - b);
      for (const i of due) {
        const n = this.nodes[i]!;
        this.dirty.add(i);
        if (!this.active(n)) continue;
        if (this.deadlines[i]! <= this.now) {
          n.swim.tick(this.now);
          this.flush(n);
        }
      }
    }
    this.now = Math.max(this.now, until);
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Run in `step` slices until `pred` holds; returns the time it first held, or undefined. */
  runUntilTrue(pred: () => boolean, maxMs: number, step = 100): number | undefined {
    const end = this.now + maxMs;
    while (this.now < end) {
      if (pred()) return this.now;
      this.runUntil(Math.min(end, this.now + step));
    }
    return pred() ? this.now : undefined;
  }

  /** What `observer` believes about `subject`. */
  stateOf(observer: string, subject: string): MemberState | undefined {
    return this.node(observer).swim.member(subject)?.state;
  }

  /** Live (not crashed) nodes. */
  running(): SimNode[] {
    return this.nodes.filter((n) => !n.crashed);
  }

  /** True when every running node sees every node in `names` in `state`. */
  allSee(names: string[], state: MemberState, observers = this.running()): boolean {
    return observers.every((o) => names.every((s) => s === o.name || this.stateOf(o.name, s) === state));
  }

  eventsAbout(name: string, kind: string): string[] {
    return this.trace.filter((l) => l.includes(` ${kind} ${name} `));
  }

  private touch(n: SimNode): void {
    this.dirty.add(this.indexOf(n));
  }

  private refreshWake(): void {
    for (const i of this.dirty) {
      const n = this.nodes[i]!;
      const deadline = n.crashed ? Infinity : n.swim.nextDeadline();
      this.deadlines[i] = deadline;
      this.wake.set(i, n.pausedUntil > this.now ? n.pausedUntil : deadline);
    }
    this.dirty.clear();
  }

  private active(n: SimNode): boolean {
    return !n.crashed && n.pausedUntil <= this.now;
  }

  private reachable(from: SimNode, to: SimNode): boolean {
    if (!this.active(to)) return false;
    if (!this.groups) return true;
    return this.groups.get(from.name) === this.groups.get(to.name);
  }

  private latency(): number {
    const [lo, hi] = this.delay;
    return lo + this.net.int(hi - lo + 1);
  }

  private schedule(d: Omit<Delivery, 'seq'>): void {
    const item = { ...d, seq: this.seq++ } as Delivery;
    // Insert keeping (at, seq) order; the queue stays small enough for a linear scan from the end.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.at > item.at) i--;
    this.queue.splice(i, 0, item);
  }

  private flush(n: SimNode): void {
    this.dirty.add(this.indexOf(n));
    for (const e of n.swim.drainEffects()) {
      switch (e.kind) {
        case 'send':
          this.packetsSent++;
          if (this.net.float() < this.loss) break;
          this.schedule({ at: this.now + this.latency(), kind: 'packet', from: n.addr, to: e.to, payload: JSON.stringify(e.messages) });
          break;
        case 'tcp-ping': {
          // Streams are reliable: if the target is reachable now, the ack comes back after a round trip.
          const target = this.byAddr.get(e.to);
          if (target && this.reachable(n, target) && target.name === e.target) {
            const ack = JSON.stringify([{ type: 'ack', seqNo: e.seqNo }]);
            this.schedule({ at: this.now + this.latency() + this.latency(), kind: 'packet', from: e.to, to: n.addr, payload: ack });
          }
          break;
        }
        case 'push-pull':
          this.schedule({ at: this.now + this.latency(), kind: 'stream-request', from: n.addr, to: e.to, payload: JSON.stringify(e.message) });
          break;
        case 'ping-complete':
          break;
        case 'conflict':
          this.conflicts.push({ at: this.now, observer: n.name, name: e.name, knownAddr: e.knownAddr, claimedAddr: e.claimedAddr });
          if (this.opts.keepTrace !== false) this.trace.push(`${this.now} ${n.name} conflict ${e.name} ${e.knownAddr} ${e.claimedAddr}`);
          break;
        default:
          if (this.opts.keepTrace !== false) {
            this.trace.push(`${this.now} ${n.name} ${e.kind} ${e.member.name} ${e.member.state}@${e.member.incarnation}`);
          }
          this.opts.onEvent?.(this.now, n.name, e.kind, e.member);
      }
    }
  }

  private indexOf(n: SimNode): number {
    return this.nodeIndex.get(n)!;
  }

  private deliver(d: Delivery): void {
    const from = this.byAddr.get(d.from);
    const to = this.byAddr.get(d.to);
    if (!from || !to || !this.reachable(from, to)) return;
    if (d.kind === 'packet') {
      const raw: unknown = JSON.parse(d.payload);
      for (const m of raw as unknown[]) to.swim.receive(d.from, parseMessage(m) as PacketMessage, this.now);
      this.flush(to);
      return;
    }
    const msg = parseMessage(JSON.parse(d.payload)) as StreamMessage;
    const reply = to.swim.receiveStream(d.from, msg, this.now);
    this.flush(to);
    if (reply) this.schedule({ at: this.now + this.latency(), kind: 'stream-reply', from: d.to, to: d.from, payload: JSON.stringify(reply) });
  }
}

/** Start `n` nodes, each joining node-0, and run until everyone sees everyone alive. */
export function formCluster(sim: Sim, n: number, maxMs = 30_000): string[] {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(sim.addNode().name);
  for (let i = 1; i < n; i++) sim.join(names[i]!, [names[0]!]);
  const at = sim.runUntilTrue(() => sim.allSee(names, 'alive'), maxMs);
  if (at === undefined) throw new Error('cluster did not converge');
  return names;
}

export type { Member };

/** Indexed binary min-heap of node wake times, ordered by (time, node index). */
class WakeHeap {
  private readonly heap: number[] = [];
  private readonly keys: number[] = [];
  private readonly pos: number[] = [];

  minKey(): number {
    return this.heap.length > 0 ? this.keys[this.heap[0]!]! : Infinity;
  }

  set(i: number, key: number): void {
    this.keys[i] = key;
    const p = this.pos[i];
    if (p === undefined || p < 0) {
      this.heap.push(i);
      this.pos[i] = this.heap.length - 1;
      this.up(this.heap.length - 1);
    } else {
      this.up(p);
      this.down(this.pos[i]!);
    }
  }

  /** Remove and return every node due at or before `t` (they are re-added when refreshed). */
  popUpTo(t: number): number[] {
    const out: number[] = [];
    while (this.heap.length > 0 && this.keys[this.heap[0]!]! <= t) {
      const i = this.heap[0]!;
      const last = this.heap.pop()!;
      this.pos[i] = -1;
      if (this.heap.length > 0 && last !== i) {
        this.heap[0] = last;
        this.pos[last] = 0;
        this.down(0);
      }
      out.push(i);
    }
    return out;
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && a < b);
  }

  private swap(x: number, y: number): void {
    const a = this.heap[x]!;
    const b = this.heap[y]!;
    this.heap[x] = b;
    this.heap[y] = a;
    this.pos[b] = x;
    this.pos[a] = y;
  }

  private up(p: number): void {
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (!this.less(this.heap[p]!, this.heap[parent]!)) return;
      this.swap(p, parent);
      p = parent;
    }
  }

  private down(p: number): void {
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < this.heap.length && this.less(this.heap[l]!, this.heap[m]!)) m = l;
      if (r < this.heap.length && this.less(this.heap[r]!, this.heap[m]!)) m = r;
      if (m === p) return;
      this.swap(p, m);
      p = m;
    }
  }
}
