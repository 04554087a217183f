/**
 * The Raft state machine (after etcd-io/raft's raft.go), pure: inputs are tick/step/propose/
 * readIndex, output is a Ready batch. Term handling happens once in step(); the role then
 * decides what a message means. Everything produced between two ready() calls goes out in one
 * batch, so one fsync and one append per follower cover many proposals.
 *
 * Durability rules the core relies on (see index.ts for the full driver contract):
 * - entries and the hard state of a Ready are persisted (with every earlier Ready's) before its
 *   messages are sent, except that a leader may send in parallel; the core therefore emits a
 *   vote or an append acknowledgement only in a Ready that carries (or follows) the state it
 *   promises;
 * - the leader counts its own log towards a quorum only up to what advance() confirmed stored.
 */
import { assert } from '../../shared/assert.js';
import type { Random } from '../../shared/random.js';
import { LEASE_MARGIN_TICKS, validateRaftConfig } from './config.js';
import { ENTRY_OVERHEAD, RaftLog } from './log.js';
import {
  applyMembershipChange, decodeMembership, EMPTY_MEMBERSHIP, encodeMembership, quorumIndex, quorumSize,
  tryDecodeMembership, type MembershipView,
} from './membership.js';
import { MembershipLog } from './membership-log.js';
import { Progress } from './progress.js';
import { ReadOnly } from './read-only.js';
import type {
  AppendMessage, AppendResponse, BasicStatus, Entry, FollowerProgress, HardState, HeartbeatMessage,
  HeartbeatResponse, MembershipChange, ProposeResult, RaftConfig, RaftCore, RaftMessage,
  RaftStatus, ReadState, Ready, RestoredState, Role, ServerId, SnapshotMessage, SnapshotMeta,
  SoftState, VoteMessage, VoteResponse,
} from './types.js';
import { isWellFormed, wellFormedEntries } from './validate.js';

const EMPTY = new Uint8Array(0);

/** Messages we build: the envelope's `from` and `term` are filled in by send(). */
type Outgoing = RaftMessage extends infer M ? (M extends RaftMessage ? Omit<M, 'from' | 'term'> & { term?: number } : never) : never;

export class Raft implements RaftCore {
  readonly id: ServerId;
  private readonly config: RaftConfig;
  private readonly random: Random;
  private readonly log: RaftLog;
  private readonly configs: MembershipLog;
  private readonly readOnly = new ReadOnly();

  private term: number;
  private vote: ServerId;
  private commit: number;
  /** Highest index handed out in a Ready's `committed`. */
  private applied: number;
  private role: Role = 'follower';
  private leader: ServerId | '' = '';

  /** Follower/candidate: ticks since the leader (or a vote we granted) reset it. Leader: since the last quorum check. */
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private ticksSinceLeaderContact = 0;

  private readonly votes = new Map<ServerId, boolean>();
  private readonly progress = new Map<ServerId, Progress>();
  private transferee: ServerId | '' = '';
  /** The newest snapshot we hold: what a follower behind our first index is sent. */
  private latestSnapshot: SnapshotMeta | null;

  // Output accumulated for the next Ready.
  private msgs: RaftMessage[] = [];
  private readStates: ReadState[] = [];
  private droppedReads: string[] = [];
  private snapshotToInstall: SnapshotMeta | null = null;
  /** Read requests not yet in a confirmation round (waiting for the batch, or for a commit in our term). */
  private readBatch: string[] = [];
  private readSeq = 0;
  /** Leader: entries to stream (new ones, or a follower's pipe reopened) at the next flush. */
  private appendsDirty = false;
  /** Follower: where this Ready's success acknowledgement to each leader sits in `msgs`. */
  private ackAt = new Map<ServerId, number>();

  private prevHard: HardState;
  private prevSoft: SoftState;
  /** Readys handed out and not yet advanced, oldest first (the driver may persist several at once). */
  private readonly outstanding: Ready[] = [];
  /** Reused by maybeCommit (run on every acknowledgement) for the voters' match indexes. */
  private readonly matchScratch: number[] = [];

  constructor(config: RaftConfig, random: Random, restored: RestoredState) {
    this.config = validateRaftConfig(config);
    this.id = config.id;
    this.random = random;

    const snap = restored.snapshot;
    let entries = restored.entries;
    if (snap) {
      // Storage may keep a few entries the snapshot already covers; the log starts after it.
      const covered = entries.find((e) => e.index === snap.index);
      assert(!covered || covered.term === snap.term, `restored entry ${snap.index} disagrees with the snapshot`);
      entries = entries.filter((e) => e.index > snap.index);
      assert(entries.length === 0 || entries[0]!.index === snap.index + 1, 'restored log does not follow the snapshot');
    } else {
      assert(entries.length === 0 || entries[0]!.index === 1, 'restored log without a snapshot must start at 1');
    }
    this.log = new RaftLog(snap?.index ?? 0, snap?.term ?? 0, entries);
    this.configs = new MembershipLog(snap?.membership ?? EMPTY_MEMBERSHIP, snap?.index ?? 0);
    for (const e of entries) {
      if (e.kind === 'config') this.configs.append(e.index, decodeMembership(e.data));
    }
    this.latestSnapshot = snap;

    const hs = restored.hardState;
    this.term = Math.max(hs.term, this.log.lastTerm());
    this.vote = this.term === hs.term ? hs.vote : '';
    this.commit = Math.min(Math.max(hs.commit, snap?.index ?? 0), this.log.lastIndex());
    this.applied = snap?.index ?? 0;
    this.prevHard = hs;
    this.prevSoft = { role: this.role, leader: this.leader, term: this.term };
    this.resetTimers();
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  step(m: RaftMessage): void {
    if (!isWellFormed(m) || m.to !== this.id || m.from === this.id) return;

    if (m.term > this.term) {
      if (m.type === 'vote' && !m.transfer && this.inLease()) {
        // Check-quorum lease: we heard from a live leader within the election timeout, so this
        // candidate is most likely a partitioned server; don't let it depose the leader.
        return;
      }
      if (m.type === 'vote' && m.preVote) {
        // A pre-vote never changes anyone's term.
      } else if (m.type === 'vote-response' && m.preVote && m.granted) {
        // A granted pre-vote carries the term we would campaign at; it is not a newer leader.
      } else {
        const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
        this.becomeFollower(m.term, fromLeader ? m.from : '');
      }
    } else if (m.term < this.term) {
      this.stepStale(m);
      return;
    }

    if (m.type === 'vote') {
      this.handleVote(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        return this.stepLeader(m);
      case 'candidate':
      case 'pre-candidate':
        return this.stepCandidate(m);
      case 'follower':
        return this.stepFollower(m);
    }
  }

  propose(data: Uint8Array): ProposeResult {
    if (this.role !== 'leader') return 'not-leader';
    if (this.transferee !== '') return 'transferring';
    // One entry must fit one append message, or it could never be replicated.
    if (data.byteLength + ENTRY_OVERHEAD > this.config.maxSizePerMsg) return 'too-large';
    this.appendAsLeader('normal', data);
    return 'accepted';
  }

  proposeMembership(change: MembershipChange): ProposeResult {
    if (this.role !== 'leader') return 'not-leader';
    if (this.transferee !== '') return 'transferring';
    // One change at a time, and not before this leader has committed in its own term: otherwise
    // a change appended by a previous leader (uncommitted, maybe lost) and ours could overlap
    // without sharing a quorum (the single-server-change bug, Ongaro's raft-dev post, 2015).
    if (this.configs.currentIndex() > this.commit || !this.committedInTerm()) return 'config-pending';
    const next = applyMembershipChange(this.configs.current().membership, change);
    if (typeof next === 'string') return 'invalid';
    const data = encodeMembership(next);
    if (data.byteLength + ENTRY_OVERHEAD > this.config.maxSizePerMsg) return 'too-large';
    this.appendAsLeader('config', data);
    return 'accepted';
  }

  campaign(): void {
    this.hup(false);
  }

  transferLeadership(to: ServerId): 'accepted' | 'not-leader' | 'unknown-server' {
    if (this.role !== 'leader') return 'not-leader';
    if (to === this.id) return 'accepted';
    if (!this.members().isVoter(to)) return 'unknown-server';
    if (this.transferee === to) return 'accepted';
    this.transferee = to;
    // The transfer is abandoned if it has not happened within one election timeout.
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.send({ type: 'timeout-now', to });
    else this.sendAppend(to, pr, true);
    return 'accepted';
  }

  readIndex(id: string): 'accepted' | 'not-leader' {
    if (this.role !== 'leader') return 'not-leader';
    // Batched: every read requested before the next ready() shares one heartbeat round.
    this.readBatch.push(id);
    return 'accepted';
  }

  compact(meta: SnapshotMeta, trailing: number): void {
    if (this.latestSnapshot && meta.index <= this.latestSnapshot.index) return;
    assert(meta.index <= this.applied, `compact at ${meta.index} beyond applied ${this.applied}`);
    const t = this.log.term(meta.index);
    assert(t === undefined || t === meta.term, `snapshot term ${meta.term} != log term ${t} at ${meta.index}`);
    this.latestSnapshot = meta;
    const keep = Math.max(0, Math.floor(trailing));
    const cut = Math.min(meta.index - keep, this.log.stable(), this.applied);
    if (cut > this.log.baseIndex()) {
      this.log.compact(cut);
      this.configs.compact(cut);
    }
  }

  reportUnreachable(id: ServerId): void {
    const pr = this.role === 'leader' ? this.progress.get(id) : undefined;
    // Whatever was streamed may be lost: find out where the follower really is.
    if (pr?.state === 'replicate') pr.becomeProbe();
  }

  reportSnapshot(id: ServerId, ok: boolean): void {
    const pr = this.role === 'leader' ? this.progress.get(id) : undefined;
    if (pr?.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Probe again at the next heartbeat answer rather than at once (a failed transfer would
    // otherwise be retried in a tight loop).
    pr.probeSent = true;
  }

  // ---------------------------------------------------------------- Ready

  hasReady(): boolean {
    this.flush();
    return (
      this.softChanged() ||
      this.hardChanged() ||
      this.log.handedOut() < this.log.lastIndex() ||
      this.snapshotToInstall !== null ||
      Math.min(this.commit, this.log.lastIndex()) > this.applied ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.droppedReads.length > 0
    );
  }

  ready(): Ready {
    this.flush();
    const soft: SoftState = { role: this.role, leader: this.leader, term: this.term };
    const softState = this.softChanged() ? soft : null;
    const hard: HardState = { term: this.term, vote: this.vote, commit: this.commit };
    const termOrVote = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    const hardState = this.hardChanged() ? hard : null;
    const snapshot = this.snapshotToInstall;
    const entries = this.log.takeUnstable();
    // A committed entry is durable on a quorum already, so the driver may apply it before its own
    // copy is persisted: the limit is what has been handed out, not `stable`.
    const limit = Math.min(this.commit, this.log.handedOut());
    const committed = limit > this.applied ? this.log.slice(this.applied + 1, limit + 1) : [];
    const rd: Ready = {
      softState,
      hardState,
      entries,
      snapshot,
      committed,
      messages: this.msgs,
      readStates: this.readStates,
      droppedReads: this.droppedReads,
      mustSync: termOrVote || entries.length > 0 || snapshot !== null,
    };
    this.applied = Math.max(this.applied, limit);
    this.prevSoft = soft;
    this.prevHard = hard;
    this.snapshotToInstall = null;
    this.msgs = [];
    this.ackAt.clear();
    this.readStates = [];
    this.droppedReads = [];
    this.outstanding.push(rd);
    return rd;
  }

  advance(rd: Ready): void {
    assert(rd === this.outstanding[0], 'advance() with a Ready that is not the oldest outstanding one');
    this.outstanding.shift();
    const last = rd.entries[rd.entries.length - 1];
    if (last) this.log.stableTo(last.index, last.term);
    // The leader's own entries now count towards the quorum. A new commit index is announced
    // lazily (see announceCommit).
    if (this.role === 'leader') this.maybeCommit();
  }

  status(): RaftStatus {
    const progress: FollowerProgress[] = [];
    for (const [id, pr] of this.progress) {
      progress.push({ id, match: pr.match, next: pr.next, state: pr.state, ticksSinceContact: pr.ticksSinceContact });
    }
    return { ...this.basicStatus(), progress };
  }

  basicStatus(): BasicStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      commit: this.commit,
      applied: this.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      membership: this.members().membership,
      ticksSinceLeaderContact: this.role === 'leader' ? 0 : this.ticksSinceLeaderContact,
    };
  }

  // ---------------------------------------------------------------- time

  private tickElection(): void {
    this.electionElapsed++;
    this.ticksSinceLeaderContact++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const pr of this.progress.values()) pr.ticksSinceContact++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, '');
        return;
      }
      this.transferee = '';
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastContext());
    }
    this.announceCommit();
  }

  /**
   * Tell followers a commit index that no append has carried to them yet. A commit advance does
   * not send anything by itself: the next append to the follower carries it (under load that is
   * the next batch, a Ready later), and each tick calls this for the rest — so a follower learns
   * of a commit within one tick even when the leader goes quiet, and a busy leader never spends a
   * message per follower per commit on it (which used to double the messages per write).
   */
  announceCommit(): void {
    if (this.role !== 'leader') return;
    for (const [id, pr] of this.progress) {
      // An empty append at next - 1 lets the follower commit up to there; a paused or
      // snapshotting follower hears it from its next append or heartbeat instead.
      if (pr.state !== 'snapshot' && Math.min(this.commit, pr.next - 1) > pr.sentCommit) this.sendAppend(id, pr, true);
    }
  }

  /** Check-quorum: did a quorum of voters talk to us since the last check? Resets the marks. */
  private quorumActive(): boolean {
    const view = this.members();
    let active = view.isVoter(this.id) ? 1 : 0;
    for (const [id, pr] of this.progress) {
      if (pr.recentActive && view.isVoter(id)) active++;
      pr.recentActive = false;
    }
    return active >= view.quorum;
  }

  private inLease(): boolean {
    return this.config.checkQuorum && this.leader !== '' && this.electionElapsed < this.config.electionTicks;
  }

  // ---------------------------------------------------------------- roles

  private resetTimers(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    const n = this.config.electionTicks;
    this.randomizedElectionTimeout = n + this.random.int(n);
  }

  private becomeFollower(term: number, leader: ServerId | ''): void {
    this.dropReads();
    if (term !== this.term) {
      this.term = term;
      this.vote = '';
    }
    this.role = 'follower';
    this.leader = leader;
    this.resetTimers();
    if (leader !== '') this.ticksSinceLeaderContact = 0;
    this.progress.clear();
    this.votes.clear();
    this.transferee = '';
    this.appendsDirty = false;
  }

  /** Start an election (pre-vote first unless `transfer`); nothing on a leader or a non-voter. */
  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (this.config.preVote && !transfer) this.becomePreCandidate();
    else this.becomeCandidate(transfer);
  }

  private becomePreCandidate(): void {
    this.dropReads();
    this.role = 'pre-candidate';
    this.leader = '';
    this.resetTimers();
    this.votes.clear();
    this.progress.clear();
    if (this.poll(this.id, true) === 'won') {
      this.becomeCandidate(false);
      return;
    }
    this.requestVotes(true, false);
  }

  private becomeCandidate(transfer: boolean): void {
    this.dropReads();
    this.term++;
    this.vote = this.id;
    this.role = 'candidate';
    this.leader = '';
    this.resetTimers();
    this.votes.clear();
    this.progress.clear();
    if (this.poll(this.id, true) === 'won') {
      this.becomeLeader();
      return;
    }
    this.requestVotes(false, transfer);
  }

  private requestVotes(preVote: boolean, transfer: boolean): void {
    const term = preVote ? this.term + 1 : this.term;
    for (const id of this.members().voters) {
      if (id === this.id) continue;
      this.send({
        type: 'vote', to: id, term, preVote, transfer,
        lastIndex: this.log.lastIndex(), lastTerm: this.log.lastTerm(),
      });
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.id;
    this.resetTimers();
    this.votes.clear();
    this.transferee = '';
    this.progress.clear();
    this.syncProgress();
    // The no-op: entries of earlier terms commit only once an entry of this term does (§5.4.2).
    this.appendAsLeader('normal', EMPTY);
  }

  /** Record a vote; 'won'/'lost' once a quorum of voters has decided. */
  private poll(from: ServerId, granted: boolean): 'won' | 'lost' | 'pending' {
    const view = this.members();
    if (!view.isVoter(from)) return 'pending';
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const [id, g] of this.votes) {
      if (!view.isVoter(id)) continue;
      if (g) yes++;
      else no++;
    }
    if (yes >= view.quorum) return 'won';
    if (no > view.voters.size - view.quorum) return 'lost';
    return 'pending';
  }

  // ---------------------------------------------------------------- step per role

  /** A message from an older term. Mostly ignored; answered where that unsticks the sender. */
  private stepStale(m: RaftMessage): void {
    if ((this.config.checkQuorum || this.config.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
      // A leader cut off by a partition while we moved on (without disrupting it, thanks to
      // pre-vote/check-quorum) would never learn the new term otherwise: tell it.
      this.send({ type: 'append-response', to: m.from, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === 'vote' && m.preVote) {
      // Reject explicitly so the pre-candidate learns our term and stops polling.
      this.send({ type: 'vote-response', to: m.from, preVote: true, granted: false });
    }
  }

  private handleVote(m: VoteMessage): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === '' && this.leader === '') ||
      // A pre-vote for a later term: we would vote then, whatever we did in this one.
      (m.preVote && m.term > this.term);
    const granted = canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm);
    if (granted && !m.preVote) {
      this.vote = m.from;
      this.electionElapsed = 0;
    }
    // A grant echoes the asked term (a pre-candidate counts only answers for its future term);
    // a refusal carries ours so the asker can catch up.
    const reply: Omit<VoteResponse, 'from' | 'term'> & { term: number } = {
      type: 'vote-response', to: m.from, term: granted ? m.term : this.term, preVote: m.preVote, granted,
    };
    this.send(reply);
  }

  private stepLeader(m: RaftMessage): void {
    switch (m.type) {
      case 'append-response':
        return this.handleAppendResponse(m);
      case 'heartbeat-response':
        return this.handleHeartbeatResponse(m);
      default:
        // Another leader in our term cannot exist; stale votes and timeouts mean nothing here.
        return;
    }
  }

  private stepCandidate(m: RaftMessage): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // Someone won this term.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'vote-response': {
        const pre = this.role === 'pre-candidate';
        if (m.preVote !== pre) return;
        const result = this.poll(m.from, m.granted);
        if (result === 'won') {
          if (pre) this.becomeCandidate(false);
          else this.becomeLeader();
        } else if (result === 'lost') {
          this.becomeFollower(this.term, '');
        }
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(m: RaftMessage): void {
    switch (m.type) {
      case 'append':
        this.heardFromLeader(m.from);
        return this.handleAppend(m);
      case 'heartbeat':
        this.heardFromLeader(m.from);
        return this.handleHeartbeat(m);
      case 'snapshot':
        this.heardFromLeader(m.from);
        return this.handleSnapshot(m);
      case 'timeout-now':
        // Our leader asks us to take over: campaign now, skipping pre-vote and leases.
        this.hup(true);
        return;
      default:
        return;
    }
  }

  private heardFromLeader(from: ServerId): void {
    this.electionElapsed = 0;
    this.ticksSinceLeaderContact = 0;
    this.leader = from;
  }

  // ---------------------------------------------------------------- follower side

  private handleAppend(m: AppendMessage): void {
    if (m.prevIndex < this.commit) {
      // Old news (a duplicate or a message overtaken by a snapshot): say where we really are.
      this.ack(m.from, this.commit);
      return;
    }
    if (!wellFormedEntries(m)) return;
    if (!this.log.matchTerm(m.prevIndex, m.prevTerm)) {
      const hint = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
      this.send({
        type: 'append-response', to: m.from, index: m.prevIndex, reject: true,
        hintIndex: hint.index, hintTerm: hint.term,
      });
      return;
    }
    const lastNew = m.prevIndex + m.entries.length;
    const conflict = this.log.findConflict(m.entries);
    if (conflict !== 0) {
      // conflict > prevIndex >= commit (checked above): a committed entry is never replaced.
      const suffix = m.entries.slice(conflict - m.prevIndex - 1);
      const memberships = [];
      for (const e of suffix) {
        if (e.kind !== 'config') continue;
        const ms = tryDecodeMembership(e.data);
        if (!ms) return; // a config entry we cannot read: refuse the whole message
        memberships.push({ index: e.index, ms });
      }
      this.configs.truncateFrom(conflict);
      this.log.truncateAndAppend(suffix);
      for (const { index, ms } of memberships) this.configs.append(index, ms);
    }
    this.commitTo(Math.min(m.commit, lastNew));
    this.ack(m.from, lastNew);
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    // The leader sends min(our match, its commit), so this never commits an unverified entry.
    this.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send({ type: 'heartbeat-response', to: m.from, context: m.context });
  }

  private handleSnapshot(m: SnapshotMessage): void {
    const s = m.snapshot;
    if (s.index <= this.commit) {
      this.ack(m.from, this.commit);
      return;
    }
    if (this.log.matchTerm(s.index, s.term)) {
      // We already hold everything the snapshot covers: just learn that it is committed.
      this.commitTo(s.index);
      this.ack(m.from, this.commit);
      return;
    }
    this.log.reset(s.index, s.term);
    this.configs.reset(s.membership, s.index);
    this.commit = s.index;
    this.applied = s.index;
    this.latestSnapshot = s;
    this.snapshotToInstall = s;
    this.ack(m.from, s.index);
  }

  /**
   * Acknowledge our log up to `index`; it goes out in a Ready that persists that much first.
   * Several appends handled for one Ready get one acknowledgement, of the highest index: within a
   * term the leader's log only grows, so a later ack implies every earlier one.
   */
  private ack(to: ServerId, index: number): void {
    const at = this.ackAt.get(to);
    const prev = at === undefined ? undefined : this.msgs[at];
    if (prev?.type === 'append-response' && prev.term === this.term && !prev.reject) {
      if (index > prev.index) this.msgs[at!] = { ...prev, index };
      return;
    }
    this.ackAt.set(to, this.msgs.length);
    this.send({ type: 'append-response', to, index, reject: false, hintIndex: 0, hintTerm: 0 });
  }

  private commitTo(index: number): void {
    if (index > this.commit) this.commit = index;
  }

  // ---------------------------------------------------------------- leader side

  private appendAsLeader(kind: Entry['kind'], data: Uint8Array): void {
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, kind, data };
    this.log.append(entry);
    this.appendsDirty = true;
    if (kind === 'config') {
      this.configs.append(entry.index, decodeMembership(data));
      this.onMembershipChanged();
    }
  }

  /** The membership in force changed (we appended a config entry): follow it. */
  private onMembershipChanged(): void {
    this.syncProgress();
    if (this.transferee !== '' && !this.members().isVoter(this.transferee)) this.transferee = '';
    // A smaller quorum may already be satisfied.
    this.maybeCommit();
  }

  /** One Progress per other server of the membership: new ones probe from our end. */
  private syncProgress(): void {
    const view = this.members();
    for (const id of this.progress.keys()) {
      if (!view.has(id)) this.progress.delete(id);
    }
    for (const id of view.ids()) {
      if (id === this.id || this.progress.has(id)) continue;
      this.progress.set(id, new Progress(this.log.lastIndex() + 1, this.config.maxInflightMsgs));
    }
  }

  /**
   * Send `to` the next batch of entries (or a snapshot if they were compacted away). With
   * `sendIfEmpty`, send even when there is nothing new (to carry a commit index or a probe).
   */
  private sendAppend(to: ServerId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      if (prevIndex > this.log.lastIndex()) {
        // A progress ahead of our log (a bogus ack slipped by): start over from the end.
        pr.next = this.log.lastIndex() + 1;
        return false;
      }
      return this.sendSnapshot(to, pr);
    }
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.config.maxSizePerMsg);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'append', to, prevIndex, prevTerm, entries, commit: this.commit });
    pr.sentEntries(entries.length, prevIndex + entries.length);
    // The follower commits up to the last entry the message lets it match.
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.commit, prevIndex + entries.length));
    return true;
  }

  private sendSnapshot(to: ServerId, pr: Progress): boolean {
    const snap = this.latestSnapshot;
    // A server that has not answered lately may be gone: don't start a costly transfer.
    if (!snap || !pr.recentActive) return false;
    this.send({ type: 'snapshot', to, snapshot: snap });
    pr.becomeSnapshot(snap.index);
    return true;
  }

  /** Stream to one follower while its pipe has room (one message in probe state). */
  private sendAppends(to: ServerId, pr: Progress, sendIfEmpty: boolean): void {
    if (!this.sendAppend(to, pr, sendIfEmpty)) return;
    while (pr.state === 'replicate' && this.sendAppend(to, pr, false)) {
      // keep filling the pipeline
    }
  }

  private bcastHeartbeat(context: string): void {
    for (const [id, pr] of this.progress) {
      const commit = Math.min(pr.match, this.commit);
      this.send({ type: 'heartbeat', to: id, commit, context });
      pr.sentCommit = Math.max(pr.sentCommit, commit);
    }
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.ticksSinceContact = 0;

    if (m.reject) {
      let next = m.hintIndex;
      // The follower's last entry at or below the hint has term hintTerm: skip to our own last
      // entry with a term at most that, jumping over whole terms instead of single entries.
      if (m.hintTerm > 0) next = this.log.findConflictByTerm(m.hintIndex, m.hintTerm).index;
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from, pr, true);
      }
      return;
    }

    // An ack beyond our log cannot be true; ignore it rather than corrupt the commit index.
    if (m.index > this.log.lastIndex()) return;
    if (pr.maybeUpdate(m.index) || (pr.state === 'probe' && pr.match === m.index)) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

      if (this.maybeCommit() && this.role !== 'leader') return; // we committed our own removal
      // The pipe has room again: what is left goes out at the next flush, in one message with
      // whatever else is proposed before it (not one append now and another then).
      this.appendsDirty = true;
      if (m.from === this.transferee && pr.match === this.log.lastIndex()) {
        this.send({ type: 'timeout-now', to: m.from });
      }
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.ticksSinceContact = 0;
    pr.probeSent = false;
    // A full pipe with a live follower usually means a lost message: free a slot so we retry.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex() || pr.state === 'probe') this.sendAppend(m.from, pr, true);

    if (m.context === '') return;
    const acks = this.readOnly.ack(m.context, m.from);
    if (acks && this.countVoters(acks) >= this.members().quorum) {
      this.readStates.push(...this.readOnly.release(m.context));
    }
  }

  private countVoters(ids: ReadonlySet<ServerId>): number {
    const view = this.members();
    let n = 0;
    for (const id of ids) if (view.isVoter(id)) n++;
    return n;
  }

  /**
   * Advance the commit index to what a quorum of voters has stored. Our own log counts only up
   * to what the driver has persisted, and only an entry of this term commits by counting.
   */
  private maybeCommit(): boolean {
    const view = this.members();
    const matches = this.matchScratch;
    matches.length = 0;
    for (const id of view.voters) {
      matches.push(id === this.id ? this.log.stable() : (this.progress.get(id)?.match ?? 0));
    }
    const index = quorumIndex(matches);
    if (index <= this.commit || this.log.term(index) !== this.term) return false;
    this.commit = index;
    if (this.configs.currentIndex() <= this.commit && !view.isVoter(this.id)) this.stepDownRemoved();
    return true;
  }

  /**
   * Our removal is committed: hand over to the most caught-up voter (saves the others an
   * election timeout) and stop leading. We are outside the membership, so we never campaign.
   */
  private stepDownRemoved(): void {
    let best: ServerId | '' = '';
    let bestMatch = -1;
    for (const [id, pr] of this.progress) {
      if (this.members().isVoter(id) && pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best !== '' && bestMatch === this.log.lastIndex()) this.send({ type: 'timeout-now', to: best });
    // Appends carrying the final commit index go out with this Ready's messages.
    for (const [id, pr] of this.progress) this.sendAppend(id, pr, true);
    this.becomeFollower(this.term, '');
  }

  private committedInTerm(): boolean {
    return this.log.term(this.commit) === this.term;
  }

  /** Turn what accumulated since the last Ready into messages (one batch per follower). */
  private flush(): void {
    if (this.role !== 'leader') return;
    if (this.appendsDirty) {
      for (const [id, pr] of this.progress) this.sendAppends(id, pr, false);
      this.appendsDirty = false;
    }
    if (this.readBatch.length > 0 && this.committedInTerm()) this.startReadRound();
  }

  private startReadRound(): void {
    const ids = this.readBatch;
    this.readBatch = [];
    const view = this.members();
    if ((view.voters.size === 1 && view.isVoter(this.id)) || this.holdsReadLease(view)) {
      // We are the quorum, or a quorum is bound not to elect anyone else for now: our commit
      // index is linearizable as is.
      for (const id of ids) this.readStates.push({ id, index: this.commit });
      return;
    }
    const context = `${this.term}:${++this.readSeq}`;
    this.readOnly.add(context, this.commit, ids);
    if (view.isVoter(this.id)) this.readOnly.ack(context, this.id);
    this.bcastHeartbeat(context);
  }

  /** readLease: a quorum (us included) heard from recently enough, and no transfer under way. */
  private holdsReadLease(view: MembershipView): boolean {
    if (!this.config.readLease || this.transferee !== '') return false;
    const within = this.config.electionTicks - LEASE_MARGIN_TICKS;
    let fresh = 0;
    for (const id of view.voters) {
      if (id === this.id || (this.progress.get(id)?.ticksSinceContact ?? Infinity) < within) fresh++;
    }
    return fresh >= quorumSize(view.voters.size);
  }

  private dropReads(): void {
    if (this.readBatch.length === 0 && this.readOnly.pending === 0) return;
    this.droppedReads.push(...this.readOnly.drain(), ...this.readBatch);
    this.readBatch = [];
  }

  // ---------------------------------------------------------------- helpers

  private members(): MembershipView {
    return this.configs.current();
  }

  /** Only a voter of the membership in force may campaign (an empty membership never does). */
  private promotable(): boolean {
    return this.members().isVoter(this.id);
  }

  private softChanged(): boolean {
    const p = this.prevSoft;
    return p.role !== this.role || p.leader !== this.leader || p.term !== this.term;
  }

  private hardChanged(): boolean {
    const p = this.prevHard;
    return p.term !== this.term || p.vote !== this.vote || p.commit !== this.commit;
  }

  private send(m: Outgoing): void {
    this.msgs.push({ from: this.id, term: this.term, ...m } as RaftMessage);
  }
}
