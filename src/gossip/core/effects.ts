/**
 * What the core asks its driver to do; drained with Swim.drainEffects(). User messages for the
 * layer above are drained separately (Swim.drainUserMessages) so drivers without one ignore them.
 */
import type { PacketMessage, PushPullMsg } from './messages.js';
import type { Member } from './types.js';

/** `member-reap`: a dead or left member was forgotten after reconnectTimeout / tombstoneTimeout. */
export type MemberEventKind = 'member-join' | 'member-update' | 'member-failed' | 'member-leave' | 'member-reap';

export type SwimEffect =
  /** One compound packet: the primary message(s) first, piggybacked broadcasts after. */
  | { kind: 'send'; to: string; messages: PacketMessage[] }
  /**
   * Open a stream to `to`, send `message`, hand the peer's reply to Swim.receiveStream. The
   * snapshot is taken when the effect is made; a slightly stale one is harmless.
   */
  | { kind: 'push-pull'; to: string; message: PushPullMsg }
  /**
   * Fallback probe over a stream: connect to `to`, exchange a ping for `target`; on success feed
   * `{ type: 'ack', seqNo }` to Swim.receive. Failure needs no report (silence is failure).
   */
  | { kind: 'tcp-ping'; to: string; seqNo: number; target: string }
  /**
   * A direct probe of `name` was acked in time, `rttMs` after the ping went out (in the time the
   * core is given); `payload` is what the peer put in its ack (serf: its network coordinate).
   */
  | { kind: 'ping-complete'; name: string; rttMs: number; payload?: Uint8Array }
  /** A change to another member (never the local node). `member` is a copy. */
  | { kind: MemberEventKind; member: Member }
  /**
   * An alive claim for `name` from `claimedAddr` was refused: the name is held by a live (or
   * recently dead) member at `knownAddr`, or by ourselves when `self`. Two agents share a node
   * name; the driver should warn (memberlist: "Conflicting address for ..."). Nothing else changes.
   */
  | { kind: 'conflict'; name: string; knownAddr: string; claimedAddr: string; self: boolean };
