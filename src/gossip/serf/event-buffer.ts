/**
 * Serf's user-event dedupe window (serf.go eventBuffer): a ring of `size` slots indexed by
 * `ltime mod size`, each slot holding the events seen at one Lamport time. An event is new
 * unless an equal (name, payload) already sits in its slot for the same ltime. Events older than
 * the window (ltime < now − size) or below the minimum time (set from the snapshot after a
 * restart, or from a peer on a join that ignores old events) are refused: we could no longer
 * tell whether we saw them.
 */
export interface BufferedUserEvent {
  ltime: number;
  name: string;
  payload: Uint8Array;
}

export type AcceptResult = 'new' | 'duplicate' | 'too-old' | 'before-min';

interface Slot {
  ltime: number;
  events: { name: string; payload: Uint8Array }[];
}

export class EventBuffer {
  private readonly slots: (Slot | undefined)[];
  /** Events below this ltime are refused. */
  minTime = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('event buffer size must be a positive integer');
    this.slots = new Array<Slot | undefined>(size).fill(undefined);
  }

  /**
   * Records the event if it is new. `clockTime` is the event clock after witnessing the event.
   */
  accept(event: BufferedUserEvent, clockTime: number): AcceptResult {
    if (event.ltime < this.minTime) return 'before-min';
    if (clockTime > this.size && event.ltime < clockTime - this.size) return 'too-old';
    const index = event.ltime % this.size;
    let slot = this.slots[index];
    if (slot && slot.ltime === event.ltime) {
      if (slot.events.some((e) => e.name === event.name && sameBytes(e.payload, event.payload))) return 'duplicate';
    } else {
      slot = { ltime: event.ltime, events: [] };
      this.slots[index] = slot;
    }
    slot.events.push({ name: event.name, payload: event.payload });
    return 'new';
  }

  /** Everything still in the window, oldest ltime first (serf sends these in push-pull). */
  recent(): BufferedUserEvent[] {
    return this.slots
      .filter((s): s is Slot => s !== undefined)
      .sort((a, b) => a.ltime - b.ltime)
      .flatMap((s) => s.events.map((e) => ({ ltime: s.ltime, name: e.name, payload: e.payload })));
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
