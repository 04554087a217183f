/** MemorySnapshotStore: SnapshotStore in memory, for `-dev`, unit tests and the simulator. */
import { AppError } from '../../shared/errors.js';
import type { SnapshotMeta } from '../core/types.js';
import type { SnapshotSink, SnapshotStore } from './types.js';

interface Stored {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
  readonly seq: number;
}

export interface MemorySnapshotStoreOptions {
  readonly retain?: number;
  readonly chunkBytes?: number;
}

export class MemorySnapshotStore implements SnapshotStore {
  private stored: Stored[] = [];
  private seq = 0;
  private readonly retain: number;
  private readonly chunkBytes: number;

  constructor(options: MemorySnapshotStoreOptions = {}) {
    this.retain = Math.max(1, options.retain ?? 2);
    this.chunkBytes = options.chunkBytes ?? 256 * 1024;
  }

  create(meta: SnapshotMeta): Promise<SnapshotSink> {
    const chunks: Uint8Array[] = [];
    let done = false;
    const finished = (): AppError => new AppError('BAD_REQUEST', 'snapshot sink already committed or aborted');
    return Promise.resolve({
      write: (chunk: Uint8Array): Promise<void> => {
        if (done) return Promise.reject(finished());
        chunks.push(Uint8Array.from(chunk));
        return Promise.resolve();
      },
      commit: (): Promise<SnapshotMeta> => {
        if (done) return Promise.reject(finished());
        done = true;
        this.stored.push({ meta, data: Buffer.concat(chunks), seq: ++this.seq });
        this.stored.sort((a, b) => b.meta.index - a.meta.index || b.meta.term - a.meta.term || b.seq - a.seq);
        this.stored = this.stored.slice(0, this.retain);
        return Promise.resolve(meta);
      },
      abort: (): Promise<void> => {
        done = true;
        return Promise.resolve();
      },
    });
  }

  latest(): Promise<SnapshotMeta | null> {
    return Promise.resolve(this.stored[0]?.meta ?? null);
  }

  async *open(meta: Pick<SnapshotMeta, 'index' | 'term'>): AsyncIterable<Uint8Array> {
    const { data } = this.find(meta);
    for (let off = 0; off < data.length; off += this.chunkBytes) yield data.subarray(off, off + this.chunkBytes);
  }

  read(meta: Pick<SnapshotMeta, 'index' | 'term'>): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.find(meta).data);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private find(meta: Pick<SnapshotMeta, 'index' | 'term'>): Stored {
    const s = this.stored.find((x) => x.meta.index === meta.index && x.meta.term === meta.term);
    if (!s) throw new AppError('NOT_FOUND', `no stored snapshot at index ${meta.index} term ${meta.term}`);
    return s;
  }
}
