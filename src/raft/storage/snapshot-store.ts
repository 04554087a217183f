/**
 * FileSnapshotStore: state-machine snapshots under `<dir>/snapshots/`, one directory each, named
 * `<term>-<index>-<ms>`, holding `state.bin` (the data) and `meta.json` (index, term, membership,
 * size and the CRC-32C of the data). A snapshot is written into `<name>.tmp/`, fsync'd (data, meta,
 * the directory), renamed into place and the parent directory fsync'd: a crash leaves either no
 * snapshot or a complete one, plus maybe a `.tmp` directory that latest() ignores and the next
 * commit removes. The newest `retain` complete snapshots are kept.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import type { SnapshotMeta } from '../core/types.js';
import type { SnapshotSink, SnapshotStore } from './types.js';
import { crc32cUpdate } from './crc32c.js';
import { closeFile, fsyncDir, fsyncFd, openFile, writeAll } from './fs-util.js';

export interface FileSnapshotStoreOptions {
  /** Complete snapshots kept (default 2). */
  readonly retain?: number;
  /** Chunk size of open() (default 256 KiB). */
  readonly chunkBytes?: number;
  /** Milliseconds for directory names (default Date.now). */
  readonly now?: () => number;
  /** Things worth a log line: a corrupt snapshot skipped. */
  readonly onNote?: (message: string) => void;
}

interface MetaFile {
  readonly version: 1;
  readonly index: number;
  readonly term: number;
  readonly membership: SnapshotMeta['membership'];
  readonly size: number;
  readonly crc32c: number;
}

interface Listed {
  readonly name: string;
  readonly term: number;
  readonly index: number;
  readonly ts: number;
}

const DATA = 'state.bin';
const META = 'meta.json';
const NAME_RE = /^(\d+)-(\d+)-(\d+)$/;

export class FileSnapshotStore implements SnapshotStore {
  readonly path: string;
  private readonly retain: number;
  private readonly chunkBytes: number;
  private readonly now: () => number;
  private readonly note: (message: string) => void;
  private lastTs = 0;
  private readonly writing = new Set<string>();
  /** Verified snapshots by directory name (null: found corrupt). Directories never change once named. */
  private readonly verified = new Map<string, MetaFile | null>();

  constructor(dir: string, options: FileSnapshotStoreOptions = {}) {
    this.path = join(dir, 'snapshots');
    this.retain = Math.max(1, options.retain ?? 2);
    this.chunkBytes = options.chunkBytes ?? 256 * 1024;
    this.now = options.now ?? Date.now;
    this.note = options.onNote ?? (() => {});
  }

  async create(meta: SnapshotMeta): Promise<SnapshotSink> {
    await mkdir(this.path, { recursive: true });
    this.lastTs = Math.max(this.now(), this.lastTs + 1);
    const name = `${meta.term}-${meta.index}-${this.lastTs}`;
    const tmp = join(this.path, `${name}.tmp`);
    await mkdir(tmp);
    this.writing.add(name);
    const fd = await openFile(join(tmp, DATA), 'wx');
    return new FileSink(this, meta, name, tmp, fd);
  }

  async latest(): Promise<SnapshotMeta | null> {
    for (const l of await this.list()) {
      const m = await this.verify(l);
      if (m) return { index: m.index, term: m.term, membership: m.membership };
    }
    return null;
  }

  async *open(meta: Pick<SnapshotMeta, 'index' | 'term'>): AsyncIterable<Uint8Array> {
    const { dir, file } = await this.find(meta);
    let crc = 0;
    let size = 0;
    for await (const chunk of createReadStream(join(dir, DATA), { highWaterMark: this.chunkBytes })) {
      const c = chunk as Buffer;
      crc = crc32cUpdate(crc, c);
      size += c.length;
      yield c;
    }
    if (crc !== file.crc32c || size !== file.size) throw corrupt(dir, 'CRC mismatch while streaming');
  }

  async read(meta: Pick<SnapshotMeta, 'index' | 'term'>): Promise<Uint8Array> {
    const { dir, file } = await this.find(meta);
    const data = await readFile(join(dir, DATA));
    if (data.length !== file.size || crc32cUpdate(0, data) !== file.crc32c) throw corrupt(dir, 'CRC mismatch');
    return data;
  }

  /** @internal the sink's last step: rename into place, then drop old snapshots and leftovers. */
  async publish(name: string, tmp: string, file: MetaFile): Promise<void> {
    await rename(tmp, join(this.path, name));
    await fsyncDir(this.path);
    this.writing.delete(name);
    this.verified.set(name, file);
    await this.reap();
  }

  /** @internal */
  forget(name: string): void {
    this.writing.delete(name);
  }

  private async find(meta: Pick<SnapshotMeta, 'index' | 'term'>): Promise<{ dir: string; file: MetaFile }> {
    for (const l of await this.list()) {
      if (l.index !== meta.index || l.term !== meta.term) continue;
      const file = await this.verify(l);
      if (file) return { dir: join(this.path, l.name), file };
    }
    throw new AppError('NOT_FOUND', `no stored snapshot at index ${meta.index} term ${meta.term}`);
  }

  /** Complete snapshot directories, newest first (index, then term, then time). */
  private async list(): Promise<Listed[]> {
    let names: string[];
    try {
      names = await readdir(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: Listed[] = [];
    for (const name of names) {
      const m = NAME_RE.exec(name);
      if (m) out.push({ name, term: Number(m[1]), index: Number(m[2]), ts: Number(m[3]) });
    }
    return out.sort((a, b) => b.index - a.index || b.term - a.term || b.ts - a.ts);
  }

  private async verify(l: Listed): Promise<MetaFile | null> {
    const known = this.verified.get(l.name);
    if (known !== undefined) return known;
    const dir = join(this.path, l.name);
    let file: MetaFile | null = null;
    try {
      const parsed = JSON.parse(await readFile(join(dir, META), 'utf8')) as MetaFile;
      const ok =
        parsed.version === 1 && parsed.index === l.index && parsed.term === l.term &&
        (await stat(join(dir, DATA))).size === parsed.size &&
        (await fileCrc(join(dir, DATA), this.chunkBytes)) === parsed.crc32c;
      file = ok ? parsed : null;
    } catch {
      file = null;
    }
    if (!file) this.note(`raft snapshots: skipping incomplete or corrupt snapshot ${dir}`);
    this.verified.set(l.name, file);
    return file;
  }

  private async reap(): Promise<void> {
    const names = await readdir(this.path);
    const complete = (await this.list()).map((l) => l.name);
    const doomed = complete.slice(this.retain);
    for (const name of names) {
      if (name.endsWith('.tmp') && !this.writing.has(name.slice(0, -4))) doomed.push(name);
    }
    for (const name of doomed) {
      await rm(join(this.path, name), { recursive: true, force: true });
      this.verified.delete(name);
    }
    if (doomed.length > 0) await fsyncDir(this.path);
  }
}

class FileSink implements SnapshotSink {
  private crc = 0;
  private size = 0;
  private chain: Promise<void> = Promise.resolve();
  private done = false;

  constructor(
    private readonly store: FileSnapshotStore,
    private readonly meta: SnapshotMeta,
    private readonly name: string,
    private readonly tmp: string,
    private readonly fd: number,
  ) {}

  write(chunk: Uint8Array): Promise<void> {
    if (this.done) return Promise.reject(new AppError('BAD_REQUEST', 'snapshot sink already committed or aborted'));
    const pos = this.size;
    this.size += chunk.length;
    this.crc = crc32cUpdate(this.crc, chunk);
    this.chain = this.chain.then(() => writeAll(this.fd, chunk, pos));
    return this.chain;
  }

  async commit(): Promise<SnapshotMeta> {
    if (this.done) throw new AppError('BAD_REQUEST', 'snapshot sink already committed or aborted');
    this.done = true;
    try {
      await this.chain;
      await fsyncFd(this.fd);
      await closeFile(this.fd);
      const file: MetaFile = {
        version: 1, index: this.meta.index, term: this.meta.term, membership: this.meta.membership, size: this.size, crc32c: this.crc,
      };
      const metaFd = await openFile(join(this.tmp, META), 'wx');
      try {
        await writeAll(metaFd, Buffer.from(JSON.stringify(file, null, 2) + '\n'), 0);
        await fsyncFd(metaFd);
      } finally {
        await closeFile(metaFd);
      }
      await fsyncDir(this.tmp);
      await this.store.publish(this.name, this.tmp, file);
      return { index: this.meta.index, term: this.meta.term, membership: this.meta.membership };
    } catch (err) {
      await rm(this.tmp, { recursive: true, force: true }).catch(() => {});
      this.store.forget(this.name);
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.chain.catch(() => {});
    await closeFile(this.fd).catch(() => {});
    await rm(this.tmp, { recursive: true, force: true });
    this.store.forget(this.name);
  }
}

async function fileCrc(path: string, chunkBytes: number): Promise<number> {
  let crc = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes })) crc = crc32cUpdate(crc, chunk as Buffer);
  return crc;
}

function corrupt(dir: string, why: string): AppError {
  return new AppError('INTERNAL', `raft snapshot ${dir} is corrupt: ${why}`);
}
