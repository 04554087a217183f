import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, runAgainst } from './run-cli.js';
import { startFakeAgent } from './fake-agent.js';
import type { FakeAgent } from './fake-agent.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const entry = (Key: string, value: string | Buffer | null, extra: Record<string, unknown> = {}) => ({
  Key, CreateIndex: 10, ModifyIndex: 12, LockIndex: 0, Flags: 0, Value: value === null ? null : b64(value), ...extra,
});
const has = (query: [string, string][], name: string) => query.some(([k]) => k === name);

describe('roster kv', () => {
  let agent: FakeAgent;
  let dir: string;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
    dir = mkdtempSync(join(tmpdir(), 'roster-cli-kv-'));
  });
  after(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => agent.reset());
  const requests = () => agent.requests.map((q) => [q.method, q.path, q.query, q.body.toString('utf8')]);

  describe('get', () => {
    test('prints the raw value and a newline', async () => {
      agent.on('GET', '/v1/kv/config/web/port', { body: [entry('config/web/port', '8080')] });
      const r = await runAgainst(agent.addr, ['kv', 'get', 'config/web/port']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '8080\n', '']);
      assert.deepEqual(requests(), [['GET', '/v1/kv/config/web/port', [], '']]);
    });

    test('binary values come out byte for byte; -base64 encodes them', async () => {
      const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x0a]);
      agent.on('GET', '/v1/kv/blob', { body: [entry('blob', bytes)] });
      const raw = await runAgainst(agent.addr, ['kv', 'get', 'blob']);
      assert.deepEqual(raw.stdoutBytes, Buffer.concat([bytes, Buffer.from('\n')]));
      const encoded = await runAgainst(agent.addr, ['kv', 'get', '-base64', 'blob']);
      assert.equal(encoded.stdout, `${b64(bytes)}\n`);
    });

    test('an empty value prints nothing', async () => {
      agent.on('GET', '/v1/kv/empty', { body: [entry('empty', null)] });
      const r = await runAgainst(agent.addr, ['kv', 'get', 'empty']);
      assert.deepEqual([r.code, r.stdout], [0, '']);
    });

    test('a missing key prints "Error! No key exists at: <key>" and exits 1', async () => {
      agent.on('GET', '/v1/kv/nope', { status: 404 });
      const r = await runAgainst(agent.addr, ['kv', 'get', 'nope']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Error! No key exists at: nope\n']);
      const json = await runAgainst(agent.addr, ['kv', 'get', 'nope', '--json']);
      assert.equal(json.code, 1);
      assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'NOT_FOUND', message: 'Error! No key exists at: nope' } });
    });

    test('-detailed prints the entry fields, names padded like Consul', async () => {
      agent.on('GET', '/v1/kv/k', { body: [entry('k', 'v', { Flags: 42, LockIndex: 1, Session: 'abc' })] });
      const r = await runAgainst(agent.addr, ['kv', 'get', '-detailed', 'k']);
      assert.equal(
        r.stdout,
        [
          'CreateIndex      10',
          'Flags            42',
          'Key              k',
          'LockIndex        1',
          'ModifyIndex      12',
          'Session          abc',
          'Value            v',
          '',
        ].join('\n'),
      );
    });

    test('--json prints the entry as the API returned it', async () => {
      const e = entry('k', 'v');
      agent.on('GET', '/v1/kv/k', { body: [e] });
      const r = await runAgainst(agent.addr, ['kv', 'get', 'k', '--json']);
      assert.deepEqual(JSON.parse(r.stdout), e);
    });

    test('-recurse lists key:value lines and sends recurse', async () => {
      const entries = [entry('cfg/a', '1'), entry('cfg/b/c', 'two')];
      agent.on('GET', '/v1/kv/cfg/', { body: entries });
      const r = await runAgainst(agent.addr, ['kv', 'get', '-recurse', 'cfg/']);
      assert.deepEqual([r.code, r.stdout], [0, 'cfg/a:1\ncfg/b/c:two\n']);
      assert.deepEqual(requests(), [['GET', '/v1/kv/cfg/', [['recurse', '']], '']]);
      const json = await runAgainst(agent.addr, ['kv', 'get', '-recurse', 'cfg/', '--json']);
      assert.deepEqual(JSON.parse(json.stdout), entries);
    });

    test('-recurse with nothing under the prefix prints nothing and succeeds', async () => {
      agent.on('GET', '/v1/kv/none/', { status: 404 });
      const r = await runAgainst(agent.addr, ['kv', 'get', '-recurse', 'none/']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    });

    test('-keys lists names; -separator is sent, and "" leaves it out', async () => {
      agent.on('GET', '/v1/kv/cfg/', { body: ['cfg/a', 'cfg/b/'] });
      const r = await runAgainst(agent.addr, ['kv', 'get', '-keys', 'cfg/']);
      assert.deepEqual([r.code, r.stdout], [0, 'cfg/a\ncfg/b/\n']);
      await runAgainst(agent.addr, ['kv', 'get', '-keys', '-separator=', 'cfg/']);
      await runAgainst(agent.addr, ['kv', 'get', '-keys', '-separator=-', 'cfg/']);
      assert.deepEqual(agent.requests.map((q) => q.query), [
        [['keys', ''], ['separator', '/']],
        [['keys', '']],
        [['keys', ''], ['separator', '-']],
      ]);
    });

    test('no KEY without -recurse or -keys is an error', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'get']);
      assert.deepEqual([r.code, r.stderr], [1, 'Error: Missing KEY argument\n']);
      assert.equal(agent.requests.length, 0);
    });
  });

  describe('put', () => {
    beforeEach(() => agent.on('PUT', '/v1/kv/k', (q) => ({ body: !(has(q.query, 'cas') && q.query.find(([n]) => n === 'cas')?.[1] === '99') })));

    test('writes DATA as the raw body', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'put', 'k', 'hello world']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Success! Data written to: k\n', '']);
      assert.deepEqual(requests(), [['PUT', '/v1/kv/k', [], 'hello world']]);
    });

    test('@file reads a file, - reads stdin, no DATA writes an empty value', async () => {
      const file = join(dir, 'value.txt');
      writeFileSync(file, 'from a file\n');
      await runAgainst(agent.addr, ['kv', 'put', 'k', `@${file}`]);
      await runAgainst(agent.addr, ['kv', 'put', 'k', '-'], { stdin: 'from stdin' });
      await runAgainst(agent.addr, ['kv', 'put', 'k']);
      assert.deepEqual(agent.requests.map((q) => q.body.toString()), ['from a file\n', 'from stdin', '']);
    });

    test('-flags and -cas -modify-index go in the query', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'put', '-flags=42', '-cas', '-modify-index=7', 'k', 'v']);
      assert.equal(r.code, 0);
      assert.deepEqual(agent.requests[0]?.query, [['flags', '42'], ['cas', '7']]);
      await runAgainst(agent.addr, ['kv', 'put', '-cas', 'k', 'v']);
      assert.deepEqual(agent.requests[1]?.query, [['cas', '0']]);
    });

    test('a failed check-and-set is an error, exit 1', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'put', '-cas', '-modify-index=99', 'k', 'v']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Error! Did not write to k: CAS failed\n']);
      const json = await runAgainst(agent.addr, ['kv', 'put', '-cas', '-modify-index=99', 'k', 'v', '--json']);
      assert.equal(json.code, 1);
      assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'CAS_FAILED', message: 'Error! Did not write to k: CAS failed' } });
    });

    test('-modify-index without -cas is rejected before any request', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'put', '-modify-index=3', 'k', 'v']);
      assert.deepEqual([r.code, r.stderr], [1, 'Error: Cannot specify -modify-index without -cas!\n']);
      assert.equal(agent.requests.length, 0);
    });

    test('-base64 stores the decoded bytes; invalid base64 is refused', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'put', '-base64', 'k', b64(Buffer.from([1, 2, 255]))]);
      assert.equal(r.code, 0);
      assert.deepEqual([...agent.requests[0]!.body], [1, 2, 255]);
      const bad = await runAgainst(agent.addr, ['kv', 'put', '-base64', 'k', 'not base64!']);
      assert.deepEqual([bad.code, bad.stderr], [1, 'Error: the data is not valid base64\n']);
      assert.equal(agent.requests.length, 1);
    });

    test('--json returns the key written', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'put', 'k', 'v', '--json']);
      assert.deepEqual(JSON.parse(r.stdout), { Key: 'k', Written: true });
    });

    test('a missing KEY is a usage error, exit 1', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'put']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error: Missing 1 required arg:/);
    });
  });

  describe('delete', () => {
    beforeEach(() => agent.on('DELETE', '/v1/kv/k', (q) => ({ body: q.query.find(([n]) => n === 'cas')?.[1] !== '99' })));

    test('one key', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'delete', 'k']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Success! Deleted key: k\n', '']);
      assert.deepEqual(requests(), [['DELETE', '/v1/kv/k', [], '']]);
    });

    test('-recurse deletes a prefix', async () => {
      agent.on('DELETE', '/v1/kv/cfg/', { body: true });
      const r = await runAgainst(agent.addr, ['kv', 'delete', '-recurse', 'cfg/']);
      assert.deepEqual([r.code, r.stdout], [0, 'Success! Deleted keys with prefix: cfg/\n']);
      assert.deepEqual(requests(), [['DELETE', '/v1/kv/cfg/', [['recurse', '']], '']]);
    });

    test('-cas -modify-index sends cas; a mismatch exits 1', async () => {
      const ok = await runAgainst(agent.addr, ['kv', 'delete', '-cas', '-modify-index=5', 'k']);
      assert.equal(ok.code, 0);
      assert.deepEqual(agent.requests[0]?.query, [['cas', '5']]);
      const r = await runAgainst(agent.addr, ['kv', 'delete', '-cas', '-modify-index=99', 'k']);
      assert.deepEqual([r.code, r.stderr], [1, 'Error! Did not delete key k: CAS failed\n']);
    });

    test('flag combinations Consul rejects are rejected before any request', async () => {
      const cases: [string[], string][] = [
        [['-cas', '-recurse', '-modify-index=1', 'k'], 'Error: Cannot specify both -cas and -recurse!\n'],
        [['-modify-index=1', 'k'], 'Error: Cannot specify -modify-index without -cas!\n'],
        [['-cas', 'k'], 'Error: Must specify -modify-index with -cas!\n'],
        [[], 'Error: Missing KEY argument\n'],
      ];
      for (const [args, stderr] of cases) {
        const r = await runAgainst(agent.addr, ['kv', 'delete', ...args]);
        assert.deepEqual([r.code, r.stderr], [1, stderr], args.join(' '));
      }
      assert.equal(agent.requests.length, 0);
    });

    test('--json', async () => {
      const r = await runAgainst(agent.addr, ['kv', 'delete', 'k', '--json']);
      assert.deepEqual(JSON.parse(r.stdout), { Key: 'k', Recurse: false, Deleted: true });
    });
  });
});
