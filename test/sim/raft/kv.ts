/**
 * The simulated state machine: a string key/value map fed by committed `normal` entries whose
 * data is an encoded client command. Snapshots are the whole map, sorted, as JSON.
 */
import { applyLock, type KvInput, type KvOutput } from '../linearizability.js';

export interface Command {
  readonly client: number;
  readonly seq: number;
  readonly input: KvInput;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(cmd: Command): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

export function decodeCommand(data: Uint8Array): Command {
  return JSON.parse(decoder.decode(data)) as Command;
}

/** A command's identity, for "committed at most once". */
export function commandId(cmd: Command): string {
  return `${cmd.client}.${cmd.seq}`;
}

export class KvStore {
  private map = new Map<string, string>();

  get(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  apply(input: KvInput): KvOutput {
    switch (input.op) {
      case 'put':
        this.map.set(input.key, input.value);
        return { ok: true };
      case 'delete':
        this.map.delete(input.key);
        return { ok: true };
      case 'get':
        return { value: this.get(input.key) };
      case 'cas': {
        const swapped = this.get(input.key) === input.expected;
        if (swapped) this.map.set(input.key, input.value);
        return { swapped };
      }
      case 'acquire':
      case 'release': {
        const [next, output] = applyLock(this.get(input.key), input);
        if (next !== null) this.map.set(input.key, next);
        return output;
      }
    }
  }

  serialize(): Uint8Array {
    return encoder.encode(this.canonical());
  }

  canonical(): string {
    return JSON.stringify([...this.map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }

  static restore(data: Uint8Array): KvStore {
    const kv = new KvStore();
    kv.map = new Map(JSON.parse(decoder.decode(data)) as [string, string][]);
    return kv;
  }
}
