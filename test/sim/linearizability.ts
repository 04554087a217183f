/**
 * A linearizability checker in the style of porcupine (anishathalye/porcupine): the Wing & Gong
 * search as refined by Lowe (WGL), with P-compositionality (a history is checked one partition —
 * e.g. one key — at a time) and memoisation of visited (linearized set, model state) pairs.
 *
 * A history is a list of operations, each with a call and a return time. Intervals are closed:
 * two operations whose call and return touch are concurrent. An operation that never returned
 * (a timeout, a crashed server) has no return time and no output: it may or may not have taken
 * effect, at any point after its call. Models must accept an `undefined` output in any state.
 *
 * The search is exponential in the worst case, so it runs under a step and time budget and can
 * answer 'unknown'.
 */

export interface Operation<I, O> {
  readonly client: number;
  readonly input: I;
  /** `undefined`: the operation never returned (timed out); it may or may not have taken effect. */
  readonly output: O | undefined;
  readonly call: number;
  /** `undefined` (or Infinity) for an operation that never returned. */
  readonly return?: number | undefined;
}

export interface Model<S, I, O> {
  init(): S;
  /**
   * Apply `input` in `state` and say whether it could have produced `output`. `output` is
   * `undefined` for an operation that never returned: accept it in any state (the new state is the
   * one it would have produced had it taken effect here). Must be pure.
   */
  step(state: S, input: I, output: O | undefined): [ok: boolean, next: S];
  /** A canonical string for a state: two states are equal iff their keys are. */
  key(state: S): string;
  /** Split a history into independent sub-histories (e.g. one per key). Default: one. */
  partition?(ops: readonly Operation<I, O>[]): Operation<I, O>[][];
  /** An operation that never returned and has no effect on the state can be dropped up front. */
  readOnly?(input: I): boolean;
  describeOp?(input: I, output: O | undefined): string;
  describeState?(state: S): string;
}

export type CheckVerdict = 'ok' | 'illegal' | 'unknown';

export interface CheckOptions {
  /** Give up (verdict 'unknown') after this many search steps in total. Default 5,000,000. */
  readonly maxSteps?: number;
  /** Give up after this many milliseconds of wall time. Default: no limit. */
  readonly timeoutMs?: number;
}

export interface PartitionFailure<I, O> {
  /** Index of the failing partition in the model's partition order. */
  readonly partition: number;
  /** The operations of that partition, sorted by call time. */
  readonly ops: readonly Operation<I, O>[];
  /** The longest sequence of operations found that linearizes a prefix of the partition. */
  readonly longest: readonly Operation<I, O>[];
  /**
   * After `longest`, the operation that returned earliest among the rest, and every remaining
   * operation called before it returned: none of them could be linearized next.
   */
  readonly blocked: Operation<I, O>;
  readonly candidates: readonly Operation<I, O>[];
}

export interface CheckResult<I, O> {
  readonly verdict: CheckVerdict;
  readonly steps: number;
  readonly partitions: number;
  /** For 'illegal': the first failing partition. */
  readonly failure?: PartitionFailure<I, O>;
  /** For 'illegal': a human-readable account of `failure`. */
  readonly explanation?: string;
}

// ---------------------------------------------------------------------------------------------
// The search.

interface Node {
  /** Operation number within the partition. */
  readonly id: number;
  readonly isCall: boolean;
  /** For a call: its return node. */
  match: Node | null;
  prev: Node | null;
  next: Node | null;
}

class Bitset {
  readonly words: Uint32Array;
  constructor(n: number) {
    this.words = new Uint32Array(Math.max(1, Math.ceil(n / 32)));
  }
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  clear(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }
  key(): string {
    let s = '';
    for (let i = 0; i < this.words.length; i++) s += this.words[i]!.toString(36) + ',';
    return s;
  }
}

class Budget {
  steps = 0;
  private readonly deadline: number;
  constructor(private readonly maxSteps: number, timeoutMs: number | undefined) {
    this.deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  }
  /** False once the budget is spent. */
  spend(): boolean {
    this.steps++;
    if (this.steps > this.maxSteps) return false;
    if ((this.steps & 1023) === 0 && this.deadline !== Infinity && Date.now() > this.deadline) return false;
    return true;
  }
}

function retTime<I, O>(op: Operation<I, O>): number {
  return op.return ?? Infinity;
}

interface SingleResult {
  verdict: CheckVerdict;
  /** Op ids of the longest linearized prefix found. */
  longest: number[];
}

function checkSingle<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: Budget): SingleResult {
  const n = ops.length;
  // Events: calls before returns at equal times (closed intervals overlap).
  const events: { time: number; isCall: boolean; id: number }[] = [];
  ops.forEach((op, id) => {
    events.push({ time: op.call, isCall: true, id });
    events.push({ time: retTime(op), isCall: false, id });
  });
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1));

  const head: Node = { id: -1, isCall: false, match: null, prev: null, next: null };
  let tail = head;
  const returns = new Map<number, Node>();
  const calls: Node[] = [];
  for (const e of events) {
    const node: Node = { id: e.id, isCall: e.isCall, match: null, prev: tail, next: null };
    tail.next = node;
    tail = node;
    if (e.isCall) calls.push(node);
    else returns.set(e.id, node);
  }
  for (const c of calls) c.match = returns.get(c.id)!;

  const lift = (call: Node): void => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Node): void => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };

  const linearized = new Bitset(n);
  const cache = new Set<string>();
  const stack: { call: Node; state: S }[] = [];
  let state = model.init();
  let longest: number[] = [];
  let entry: Node | null = head.next;

  while (head.next !== null) {
    if (!budget.spend()) return { verdict: 'unknown', longest };
    if (entry === null) throw new Error('linearizability: ran off the end of the history');
    if (entry.isCall) {
      const op = ops[entry.id]!;
      const [ok, next] = model.step(state, op.input, op.output);
      if (ok) {
        linearized.set(entry.id);
        const key = linearized.key() + '|' + model.key(next);
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: entry, state });
          if (stack.length > longest.length) longest = stack.map((s) => s.call.id);
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized.clear(entry.id);
      }
      entry = entry.next;
    } else {
      // A return: its operation must already have taken effect, and no choice made it so.
      const top = stack.pop();
      if (top === undefined) return { verdict: 'illegal', longest };
      state = top.state;
      linearized.clear(top.call.id);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { verdict: 'ok', longest: stack.map((s) => s.call.id) };
}

/** Check a history against a model. */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const budget = new Budget(options.maxSteps ?? 5_000_000, options.timeoutMs);
  const relevant = history.filter((op) => !(op.output === undefined && model.readOnly?.(op.input)));
  const parts = model.partition ? model.partition(relevant) : [relevant.slice()];
  let verdict: CheckVerdict = 'ok';
  for (let p = 0; p < parts.length; p++) {
    const ops = parts[p]!.slice().sort((a, b) => a.call - b.call);
    const r = checkSingle(model, ops, budget);
    if (r.verdict === 'illegal') {
      const failure = explainFailure(p, ops, r.longest);
      return {
        verdict: 'illegal', steps: budget.steps, partitions: parts.length, failure,
        explanation: describeFailure(model, failure),
      };
    }
    if (r.verdict === 'unknown') verdict = 'unknown';
  }
  return { verdict, steps: budget.steps, partitions: parts.length };
}

function explainFailure<I, O>(partition: number, ops: readonly Operation<I, O>[], longestIds: readonly number[]): PartitionFailure<I, O> {
  const done = new Set(longestIds);
  const rest = ops.map((op, id) => ({ op, id })).filter(({ id }) => !done.has(id));
  let blocked = rest[0]!;
  for (const r of rest) if (retTime(r.op) < retTime(blocked.op)) blocked = r;
  const candidates = rest.filter((r) => r.op.call <= retTime(blocked.op)).map((r) => r.op);
  return { partition, ops, longest: longestIds.map((id) => ops[id]!), blocked: blocked.op, candidates };
}

/** How many operations of the longest prefix an explanation shows (the tail leading to the failure). */
const EXPLAIN_TAIL = 12;

function describeFailure<S, I, O>(model: Model<S, I, O>, f: PartitionFailure<I, O>): string {
  const op = (o: Operation<I, O>): string => {
    const what = model.describeOp ? model.describeOp(o.input, o.output) : `${JSON.stringify(o.input)} -> ${JSON.stringify(o.output)}`;
    const ret = o.return === undefined || o.return === Infinity ? 'pending' : String(o.return);
    return `client ${o.client}: ${what}  [${o.call}, ${ret}]`;
  };
  const st = (s: S): string => (model.describeState ? model.describeState(s) : model.key(s));
  const lines: string[] = [`not linearizable (partition ${f.partition}, ${f.ops.length} ops)`];
  lines.push(`longest linearizable prefix (${f.longest.length} ops${f.longest.length > EXPLAIN_TAIL ? `, the last ${EXPLAIN_TAIL} shown` : ''}):`);
  let state = model.init();
  const skip = Math.max(0, f.longest.length - EXPLAIN_TAIL);
  f.longest.forEach((o, i) => {
    if (i === skip) lines.push(`  ${skip > 0 ? `… ${skip} earlier ops, then ` : ''}state ${st(state)}`);
    state = model.step(state, o.input, o.output)[1];
    if (i >= skip) lines.push(`  ${op(o)}   => ${st(state)}`);
  });
  if (f.longest.length === 0) lines.push(`  state ${st(state)}`);
  lines.push(`then no operation can be linearized before this one returns:`);
  lines.push(`  ${op(f.blocked)}`);
  lines.push(`candidates (called before it returned):`);
  for (const o of f.candidates) lines.push(`  ${op(o)}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// A key/value model: put, get, cas and delete on string values, partitioned by key.

export type KvInput =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'get'; readonly key: string }
  /** `expected: null` means "only if absent". */
  | { readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  /** Consul's KV lock (PUT ?acquire=): `owner` is the session. */
  | { readonly op: 'acquire'; readonly key: string; readonly owner: string }
  | { readonly op: 'release'; readonly key: string; readonly owner: string };

export type KvOutput =
  | { readonly ok: true } // put, delete
  | { readonly value: string | null } // get
  | { readonly swapped: boolean } // cas
  /** acquire: whether the owner holds the lock now, and the key's LockIndex after it. */
  | { readonly acquired: boolean; readonly lockIndex: number }
  | { readonly released: boolean };

export type KvOperation = Operation<KvInput, KvOutput>;

/** The state of one key (the model is partitioned by key). */
export type KvState = string | null;

/**
 * A lock key's state, in the same string form (a key is either a value key or a lock key):
 * `L<lockIndex>:<owner>`, owner '' when free; null is "never locked" (LockIndex 0, free).
 */
export function lockState(state: KvState): { lockIndex: number; owner: string } {
  if (state === null || !state.startsWith('L')) return { lockIndex: 0, owner: '' };
  const cut = state.indexOf(':');
  return { lockIndex: Number(state.slice(1, cut)), owner: state.slice(cut + 1) };
}

export const encodeLockState = (lockIndex: number, owner: string): string => `L${lockIndex}:${owner}`;

/** Consul's acquire/release on a lock state: the next state and the answer. */
export function applyLock(state: KvState, input: { op: 'acquire' | 'release'; owner: string }): [KvState, KvOutput] {
  const { lockIndex, owner } = lockState(state);
  if (input.op === 'acquire') {
    if (owner === input.owner) return [state, { acquired: true, lockIndex }];
    if (owner !== '') return [state, { acquired: false, lockIndex }];
    return [encodeLockState(lockIndex + 1, input.owner), { acquired: true, lockIndex: lockIndex + 1 }];
  }
  if (owner !== input.owner || owner === '') return [state, { released: false }];
  return [encodeLockState(lockIndex, ''), { released: true }];
}

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.op) {
      case 'put':
        return [output === undefined || 'ok' in output, input.value];
      case 'delete':
        return [output === undefined || 'ok' in output, null];
      case 'get':
        if (output === undefined) return [true, state];
        return ['value' in output && output.value === state, state];
      case 'cas': {
        const matches = state === input.expected;
        if (output === undefined) return [true, matches ? input.value : state];
        if (!('swapped' in output)) return [false, state];
        return [output.swapped === matches, matches ? input.value : state];
      }
      case 'acquire':
      case 'release': {
        const [next, expected] = applyLock(state, input);
        if (output === undefined) return [true, next];
        return [JSON.stringify(output) === JSON.stringify(expected), next];
      }
    }
  },
  key: (s) => (s === null ? '\u0000' : 's' + s),
  readOnly: (input) => input.op === 'get',
  partition(ops) {
    const byKey = new Map<string, KvOperation[]>();
    for (const op of ops) {
      let list = byKey.get(op.input.key);
      if (!list) byKey.set(op.input.key, (list = []));
      list.push(op);
    }
    return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
  },
  describeOp(input, output) {
    const out = output === undefined ? '?' : 'value' in output ? JSON.stringify(output.value) : 'swapped' in output ? String(output.swapped) : 'ok' in output ? 'ok' : JSON.stringify(output);
    switch (input.op) {
      case 'acquire': return `acquire(${input.key}, ${input.owner}) -> ${out}`;
      case 'release': return `release(${input.key}, ${input.owner}) -> ${out}`;
      case 'put': return `put(${input.key}, ${JSON.stringify(input.value)}) -> ${out}`;
      case 'get': return `get(${input.key}) -> ${out}`;
      case 'cas': return `cas(${input.key}, ${JSON.stringify(input.expected)} => ${JSON.stringify(input.value)}) -> ${out}`;
      case 'delete': return `delete(${input.key}) -> ${out}`;
    }
  },
  describeState: (s) => (s === null ? '∅' : JSON.stringify(s)),
};

export function checkKv(history: readonly KvOperation[], options?: CheckOptions): CheckResult<KvInput, KvOutput> {
  return checkOperations(kvModel, history, options);
}

/**
 * The lock property itself, checked directly on a history: no two owners were ever told they
 * acquired the same lock with the same LockIndex (the fencing token would not tell them apart).
 * Returns a description of the first violation, or null.
 */
export function lockIndexViolation(history: readonly KvOperation[]): string | null {
  const holders = new Map<string, string>();
  for (const op of history) {
    if (op.input.op !== 'acquire' || op.output === undefined || !('acquired' in op.output) || !op.output.acquired) continue;
    const id = `${op.input.key}#${op.output.lockIndex}`;
    const previous = holders.get(id);
    if (previous !== undefined && previous !== op.input.owner) {
      return `lock ${op.input.key} LockIndex ${op.output.lockIndex} acquired by both ${previous} and ${op.input.owner}`;
    }
    holders.set(id, op.input.owner);
  }
  return null;
}
