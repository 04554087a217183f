/**
 * Transmit-limited broadcast queue (memberlist queue.go, in our own shape). Each entry is keyed
 * by the node it is about, so a newer alive/suspect/dead message replaces an older one instead of
 * both spreading. Entries sent fewest times go first (newest breaking ties), and an entry is
 * dropped once sent `limit` times, where the limit grows with the log of the cluster size.
 */
import { estimateSize, type PacketMessage } from './messages.js';

interface Entry {
  /** undefined: never invalidated by a newer message (user messages, deduplicated above us). */
  key: string | undefined;
  message: PacketMessage;
  size: number;
  transmits: number;
  /** Insertion order; higher is newer. */
  id: number;
}

export class BroadcastQueue {
  private entries: Entry[] = [];
  private nextId = 0;

  constructor(private readonly maxDepth: number) {}

  /** Queue a message about `key`, invalidating any older message about the same node. */
  enqueue(key: string | undefined, message: PacketMessage): void {
    if (key !== undefined) this.entries = this.entries.filter((e) => e.key !== key);
    this.entries.push({ key, message, size: estimateSize(message), transmits: 0, id: this.nextId++ });
    if (this.entries.length > this.maxDepth) {
      // Shed the most-transmitted, oldest entries: they have done most of their spreading.
      this.sort();
      this.entries.length = this.maxDepth;
    }
  }

  get length(): number {
    return this.entries.length;
  }

  /**
   * Take broadcasts fitting `byteBudget` (each costing `overhead` extra bytes of framing), count one
   * transmit on each, and retire those that reached `limit`.
   */
  take(overhead: number, byteBudget: number, limit: number): PacketMessage[] {
    if (this.entries.length === 0 || byteBudget <= 0) return [];
    this.sort();
    const out: PacketMessage[] = [];
    let used = 0;
    for (const e of this.entries) {
      const cost = e.size + overhead;
      if (used + cost > byteBudget) continue;
      used += cost;
      e.transmits++;
      out.push(e.message);
    }
    this.entries = this.entries.filter((e) => e.transmits < limit);
    return out;
  }

  private sort(): void {
    this.entries.sort((a, b) => a.transmits - b.transmits || b.id - a.id);
  }
}
