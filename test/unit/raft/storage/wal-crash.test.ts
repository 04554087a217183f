/**
 * A real crash: a child process appends with sync and prints each acknowledged index; we SIGKILL
 * it at a random moment, reopen the WAL and check every acknowledged entry is there, intact and
 * contiguous. Several rounds on the same directory (each round recovers the previous one's tail).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FileLogStorage } from '../../../../src/raft/storage/wal.js';
import { payload, tempDir } from './helpers.js';

const script = fileURLToPath(new URL('../../../fixtures/raft-storage/crash-writer.ts', import.meta.url));

interface Ack {
  readonly index: number;
  readonly term: number;
}

/** Runs the writer until the first ack, lets it go on for `ms`, SIGKILLs it; returns the last ack. */
function runAndKill(dir: string, seed: number, ms: number): Promise<{ last: Ack; acks: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (timer === undefined && out.includes('ack ')) {
        timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), ms);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited on its own (code ${code}): ${err}`));
      // Only complete lines count: a line cut by the kill was never fully acknowledged.
      const lines = out.split('\n').slice(0, -1).filter((l) => l.startsWith('ack '));
      const lastLine = lines.at(-1);
      if (!lastLine) return reject(new Error(`no acknowledgement before the kill: ${err}`));
      const [, index, term] = lastLine.split(' ');
      resolve({ last: { index: Number(index), term: Number(term) }, acks: lines.length });
    });
  });
}

describe('FileLogStorage under SIGKILL', () => {
  it('keeps every acknowledged entry, intact and contiguous, across repeated kills', async () => {
    const t = tempDir('roster-wal-crash-');
    try {
      let seed = 7;
      for (let round = 0; round < 5; round++) {
        const { last, acks } = await runAndKill(t.dir, seed++, 150 + Math.floor(Math.random() * 400));
        assert.ok(acks > 0);
        if (process.env.WAL_CRASH_DEBUG) console.log(`round ${round}: ${acks} acks, last ${last.index}/${last.term}`);
        const storage = new FileLogStorage(t.dir, { segmentBytes: 64 * 1024 });
        const log = await storage.open();
        await storage.close();
        assert.equal(log.firstIndex, 1);
        let prevTerm = 0;
        log.entries.forEach((e, i) => {
          assert.equal(e.index, i + 1, 'contiguous from 1');
          assert.ok(e.term >= prevTerm, 'terms never decrease');
          prevTerm = e.term;
          const want = payload(e.index, e.term, e.kind === 'config' ? 40 : 16 + (e.index % 200));
          assert.deepEqual(Array.from(e.data), Array.from(want), `entry ${e.index} intact`);
        });
        const tail = log.entries.at(-1);
        assert.ok(tail, 'log not empty');
        // Entries at or below the last ack are all there, unless an unacknowledged rewrite at a
        // higher term (which reaches back at most 3 entries) was written after it.
        if (tail.term === last.term) assert.ok(tail.index >= last.index, `lost acknowledged ${last.index}, have ${tail.index}`);
        else assert.ok(tail.term > last.term && tail.index >= last.index - 2, `tail ${tail.index}/${tail.term} vs ack ${last.index}/${last.term}`);
        for (const e of log.entries) if (e.index <= last.index - 3) assert.ok(e.term <= last.term);
      }
    } finally {
      t.cleanup();
    }
  });
});
