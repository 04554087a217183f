// snapshot save | restore | inspect: against a fake agent, then end to end through the real
// HTTP routes with a fake operator port behind them.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSnapshotArchive } from '../../../src/shared/snapshot-archive.js';
import { assertBuilt, runAgainst, runCli } from './run-cli.js';
import { startFakeAgent } from './fake-agent.js';
import type { FakeAgent } from './fake-agent.js';
import { FakeOperator } from '../http/fake-operator.js';
import { startHarness, type Harness } from '../http/harness.js';

const DATA = Buffer.from('{"Nodes":[{"Node":"a","Address":"10.0.0.1"}],"KVs":[]}');
const ARCHIVE = encodeSnapshotArchive({ index: 42, term: 3, data: DATA });

describe('snapshot', () => {
  let agent: FakeAgent;
  let dir: string;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
    dir = mkdtempSync(join(tmpdir(), 'roster-snapshot-'));
  });
  after(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => agent.reset());
  const requests = () => agent.requests.map((q) => [q.method, q.path, q.query]);

  describe('save', () => {
    test('writes the archive to FILE, verified, with no .tmp left behind', async () => {
      agent.on('GET', '/v1/snapshot', { body: ARCHIVE });
      const file = join(dir, 'save.snap');
      const r = await runAgainst(agent.addr, ['snapshot', 'save', file]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Saved and verified snapshot to index 42\n', '']);
      assert.ok(readFileSync(file).equals(ARCHIVE));
      assert.equal(existsSync(`${file}.tmp`), false);
      assert.deepEqual(requests(), [['GET', '/v1/snapshot', []]]);
    });

    test('-stale is sent; --json describes the file', async () => {
      agent.on('GET', '/v1/snapshot', { body: ARCHIVE });
      const file = join(dir, 'stale.snap');
      const r = await runAgainst(agent.addr, ['snapshot', 'save', '-stale', file, '--json']);
      assert.equal(r.code, 0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.deepEqual([out.File, out.Index, out.Term, out.Size, out.ArchiveSize, out.Version], [file, 42, 3, DATA.length, ARCHIVE.length, 1]);
      assert.deepEqual(requests(), [['GET', '/v1/snapshot', [['stale', '']]]]);
    });

    test('a corrupt or truncated answer is not saved: exit 1, FILE untouched, no .tmp', async () => {
      const file = join(dir, 'kept.snap');
      writeFileSync(file, 'previous snapshot');
      for (const body of [ARCHIVE.subarray(0, ARCHIVE.length - 8), Buffer.from('not a snapshot')]) {
        agent.on('GET', '/v1/snapshot', { body });
        const r = await runAgainst(agent.addr, ['snapshot', 'save', file]);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^Error: Error verifying snapshot file: invalid snapshot archive: /);
        assert.equal(readFileSync(file, 'utf8'), 'previous snapshot');
        assert.equal(existsSync(`${file}.tmp`), false);
      }
    });

    test("the agent's error (no leader) is shown; nothing is written", async () => {
      agent.on('GET', '/v1/snapshot', { status: 500, body: 'No cluster leader' });
      const file = join(dir, 'none.snap');
      const r = await runAgainst(agent.addr, ['snapshot', 'save', file]);
      assert.deepEqual([r.code, r.stderr], [1, 'Error: No cluster leader\n']);
      assert.equal(existsSync(file), false);
    });
  });

  describe('restore', () => {
    test('PUTs the file as it is; prints Restored snapshot', async () => {
      agent.on('PUT', '/v1/snapshot', {});
      const file = join(dir, 'restore.snap');
      writeFileSync(file, ARCHIVE);
      const r = await runAgainst(agent.addr, ['snapshot', 'restore', file]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Restored snapshot\n', '']);
      assert.equal(agent.requests.length, 1);
      assert.deepEqual(requests(), [['PUT', '/v1/snapshot', []]]);
      assert.ok(agent.requests[0]!.body.equals(ARCHIVE));
    });

    test('a truncated, corrupt or missing file is refused before anything is sent', async () => {
      const truncated = join(dir, 'truncated.snap');
      writeFileSync(truncated, ARCHIVE.subarray(0, 30));
      const r = await runAgainst(agent.addr, ['snapshot', 'restore', truncated]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `Error: ${truncated}: invalid snapshot archive: the file is truncated\n`]);
      const missing = join(dir, 'missing.snap');
      const m = await runAgainst(agent.addr, ['snapshot', 'restore', missing]);
      assert.deepEqual([m.code, m.stderr], [1, `Error: cannot read snapshot file ${missing}: ENOENT\n`]);
      assert.deepEqual(requests(), []);
    });

    test("the agent's refusal is shown, exit 1", async () => {
      agent.on('PUT', '/v1/snapshot', { status: 500, body: 'operator endpoints need a server agent' });
      const file = join(dir, 'refused.snap');
      writeFileSync(file, ARCHIVE);
      const r = await runAgainst(agent.addr, ['snapshot', 'restore', file]);
      assert.deepEqual([r.code, r.stderr], [1, 'Error: operator endpoints need a server agent\n']);
    });
  });

  describe('inspect', () => {
    test('prints index, term, sizes, hash and format; needs no agent', async () => {
      const file = join(dir, 'inspect.snap');
      writeFileSync(file, ARCHIVE);
      const r = await runCli(['snapshot', 'inspect', file]);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      const lines = r.stdout.split('\n');
      assert.deepEqual(lines.slice(0, 4), ['Index         42', 'Term          3', `Size          ${DATA.length} bytes`, `Archive Size  ${ARCHIVE.length} bytes`]);
      assert.match(lines[4] ?? '', /^SHA256        [0-9a-f]{64}$/);
      assert.equal(lines[5], 'Format        roster-snapshot version 1');
      const json = await runCli(['snapshot', 'inspect', file, '--json']);
      assert.deepEqual((JSON.parse(json.stdout) as { Index: number }).Index, 42);
    });

    test('a bad file is one line, exit 1 (and a JSON error with --json)', async () => {
      const file = join(dir, 'bad.snap');
      writeFileSync(file, 'garbage');
      const r = await runCli(['snapshot', 'inspect', file]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `Error: ${file}: invalid snapshot archive: not gzip data\n`]);
      const json = await runCli(['snapshot', 'inspect', file, '--json']);
      assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'BAD_REQUEST', message: `${file}: invalid snapshot archive: not gzip data` } });
      const usage = await runCli(['snapshot', 'inspect']);
      assert.equal(usage.code, 1);
      assert.match(usage.stderr, /^Error: Missing 1 required arg: file .*\(see "roster snapshot inspect --help"\)\n$/);
    });
  });
});

describe('snapshot save then restore, through the real HTTP routes', () => {
  let h: Harness;
  let dir: string;
  const op = new FakeOperator();
  before(async () => {
    assertBuilt();
    h = await startHarness({ operator: op });
    dir = mkdtempSync(join(tmpdir(), 'roster-snapshot-e2e-'));
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the state the server saved is the state it is handed back', async () => {
    op.snapshot = { index: 1234, term: 7, data: Buffer.alloc(300_000, 'catalog state ') };
    const file = join(dir, 'backup.snap');
    const save = await runCli(['snapshot', 'save', file, '-http-addr', h.base]);
    assert.deepEqual([save.code, save.stdout, save.stderr], [0, 'Saved and verified snapshot to index 1234\n', '']);
    const restore = await runCli(['snapshot', 'restore', file, '-http-addr', h.base]);
    assert.deepEqual([restore.code, restore.stdout, restore.stderr], [0, 'Restored snapshot\n', '']);
    assert.equal(op.restored.length, 1);
    assert.ok(Buffer.from(op.restored[0]!).equals(op.snapshot.data));
    const list = await runCli(['operator', 'raft', 'list-peers', '-http-addr', h.base]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^bob +id-b +127\.0\.0\.2:8300 +leader +true +3 +1167 +-$/m);
  });
});
