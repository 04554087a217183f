// kv put -acquire/-release, kv export/import, lock and watch, run as users run them, against a
// real HTTP server over a real catalog (sessions, locks and blocking queries need the real thing).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, ROOT, runAgainst } from './run-cli.js';
import { startHarness, type Harness } from '../http/harness.js';
import { checkInput, nodeInput } from '../../helpers/catalog.js';

describe('roster coordination commands', () => {
  let h: Harness;
  let addr: string;
  let dir: string;
  before(async () => {
    assertBuilt();
    h = await startHarness({ config: { kvMaxValueSize: 512 * 1024 } });
    addr = h.base.replace('http://', '');
    dir = mkdtempSync(join(tmpdir(), 'roster-cli-coord-'));
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await h.api('/v1/kv/?recurse', { method: 'DELETE' });
    await h.catalog.log.propose({ type: 'register', node: nodeInput('node1', '127.0.0.1'), checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing', Type: '' })] });
  });
  const session = async (): Promise<string> => ((await (await h.put('/v1/session/create', { LockDelay: '0s' })).json()) as { ID: string }).ID;

  test('kv put -acquire / -release with -session; failures exit 1', async () => {
    const a = await session();
    const b = await session();
    let r = await runAgainst(addr, ['kv', 'put', '-acquire', `-session=${a}`, 'svc/leader', 'a']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Success! Lock acquired on: svc/leader\n', '']);
    r = await runAgainst(addr, ['kv', 'put', '-acquire', '-session', b, 'svc/leader', 'b']);
    assert.deepEqual([r.code, r.stderr], [1, 'Error! Did not write to svc/leader: lock acquisition failed\n']);
    r = await runAgainst(addr, ['kv', 'put', '-release', `-session=${b}`, 'svc/leader']);
    assert.equal(r.code, 1);
    r = await runAgainst(addr, ['kv', 'put', '-release', `-session=${a}`, 'svc/leader']);
    assert.deepEqual([r.code, r.stdout], [0, 'Success! Lock released on: svc/leader\n']);
    r = await runAgainst(addr, ['kv', 'put', '-acquire', 'svc/leader']);
    assert.deepEqual([r.code, r.stderr], [1, 'Error: Missing -session (required with -acquire and -release)\n']);
    r = await runAgainst(addr, ['kv', 'put', '-acquire', '-session=nope', 'svc/leader']);
    assert.deepEqual([r.code, r.stderr], [1, 'Error: invalid session "nope"\n']);
    r = await runAgainst(addr, ['kv', 'put', '-cas', '-modify-index=999', 'svc/leader', 'x']);
    assert.deepEqual([r.code, r.stderr], [1, 'Error! Did not write to svc/leader: CAS failed\n']);
    r = await runAgainst(addr, ['kv', 'put', '-flags=42', 'f', 'x']);
    assert.equal(((await (await h.api('/v1/kv/f')).json()) as { Flags: number }[])[0]!.Flags, 42);
  });

  test('kv export / import round-trip Consul\'s format, binary values and flags included', async () => {
    await h.put('/v1/kv/cfg/a?flags=3', 'alpha');
    await h.put('/v1/kv/cfg/bin', Buffer.from([0, 255, 1]));
    await h.put('/v1/kv/cfg/empty', '');
    const r = await runAgainst(addr, ['kv', 'export', 'cfg/']);
    assert.equal(r.code, 0);
    const exported = JSON.parse(r.stdout) as { key: string; flags: number; value: string }[];
    assert.deepEqual(exported, [
      { key: 'cfg/a', flags: 3, value: Buffer.from('alpha').toString('base64') },
      { key: 'cfg/bin', flags: 0, value: Buffer.from([0, 255, 1]).toString('base64') },
      { key: 'cfg/empty', flags: 0, value: '' },
    ]);
    assert.match(r.stdout, /^\[\n\t\{/);
    const file = join(dir, 'export.json');
    writeFileSync(file, r.stdout);
    const imp = await runAgainst(addr, ['kv', 'import', '-prefix', 'copy/', `@${file}`]);
    assert.deepEqual([imp.code, imp.stdout], [0, 'Imported: copy/cfg/a\nImported: copy/cfg/bin\nImported: copy/cfg/empty\n']);
    const again = await runAgainst(addr, ['kv', 'export', 'copy/']);
    assert.deepEqual(
      (JSON.parse(again.stdout) as { key: string }[]).map((e) => ({ ...e, key: e.key.slice('copy/'.length) })),
      exported,
    );
    const stdin = await runAgainst(addr, ['kv', 'import', '-'], { stdin: '[{"key":"s","flags":0,"value":"aGk="}]' });
    assert.equal(stdin.code, 0);
    const bad = await runAgainst(addr, ['kv', 'import', '[{"key":"x","value":"!!"}]']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not valid base64/);
    assert.equal((await h.api('/v1/kv/x')).status, 404);
  });

  test('lock runs CMD with the lock and its fencing token, then releases it', async () => {
    const out = join(dir, 'lock.out');
    const r = await runAgainst(addr, ['lock', 'jobs/backup', `echo "$ROSTER_LOCK_KEY $ROSTER_LOCK_INDEX $ROSTER_LOCK_MODIFY_INDEX $ROSTER_LOCK_SESSION" > ${out}`]);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    const [key, lockIndex, modifyIndex, sid] = readFileSync(out, 'utf8').trim().split(' ');
    assert.equal(key, 'jobs/backup/.lock');
    assert.equal(lockIndex, '1');
    const entry = ((await (await h.api('/v1/kv/jobs/backup/.lock')).json()) as { LockIndex: number; CreateIndex: number; Session?: string }[])[0]!;
    assert.equal(entry.CreateIndex, Number(modifyIndex));
    assert.equal(entry.Session, undefined, 'released');
    assert.deepEqual(await (await h.api(`/v1/session/info/${sid}`)).json(), [], 'session destroyed');
    // Again: LockIndex and the token both move on; CMD's status is the exit status.
    const second = await runAgainst(addr, ['lock', 'jobs/backup', `echo $ROSTER_LOCK_INDEX $ROSTER_LOCK_MODIFY_INDEX > ${out}; exit 3`]);
    assert.equal(second.code, 3);
    const [li2, mi2] = readFileSync(out, 'utf8').trim().split(' ');
    assert.equal(li2, '2');
    assert.ok(Number(mi2) > Number(modifyIndex));
  });

  test('lock waits while another session holds the lock; -timeout gives up', async () => {
    const holder = await session();
    await h.put(`/v1/kv/jobs/busy/.lock?acquire=${holder}`, 'x');
    const timedOut = await runAgainst(addr, ['lock', '-timeout', '1s', 'jobs/busy', 'echo never']);
    assert.equal(timedOut.code, 1);
    assert.match(timedOut.stderr, /timed out waiting for jobs\/busy\/.lock/);
    assert.equal(timedOut.stdout, '');
    const waiting = runAgainst(addr, ['lock', 'jobs/busy', 'echo got it']);
    await new Promise((res) => setTimeout(res, 500));
    await h.put(`/v1/kv/jobs/busy/.lock?release=${holder}`);
    const r = await waiting;
    assert.deepEqual([r.code, r.stdout], [0, 'got it\n']);
  });

  test('lock: SIGTERM is passed to CMD, and the lock is released', async () => {
    const child = spawn(process.execPath, ['bin/run.js', 'lock', 'jobs/sig', 'sleep 30', '--http-addr', addr], { cwd: ROOT, stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const res = await h.api('/v1/kv/jobs/sig/.lock');
      if (res.status === 200 && ((await res.json()) as { Session?: string }[])[0]!.Session) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 143);
    const entry = ((await (await h.api('/v1/kv/jobs/sig/.lock')).json()) as { Session?: string }[])[0]!;
    assert.equal(entry.Session, undefined);
  });

  test('watch -once prints the current value; a handler gets it on stdin', async () => {
    await h.put('/v1/kv/w/k', 'v1');
    const r = await runAgainst(addr, ['watch', '-type', 'key', '-key', 'w/k', '-once']);
    assert.equal(r.code, 0);
    assert.equal(Buffer.from((JSON.parse(r.stdout) as { Value: string }).Value, 'base64').toString(), 'v1');
    const missing = await runAgainst(addr, ['watch', '-type', 'keyprefix', '-prefix', 'nothing/', '-once']);
    assert.equal(missing.stdout.trim(), '[]');
    const out = join(dir, 'handler.out');
    const handled = await runAgainst(addr, ['watch', '-type', 'services', '-once', '-handler', `cat > ${out}`]);
    assert.equal(handled.code, 0);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), {});
    const bad = await runAgainst(addr, ['watch', '-type', 'key']);
    assert.deepEqual([bad.code, bad.stderr], [1, 'Error: -key is required for a key watch\n']);
  });

  test('watch prints one JSON document per change, none for writes elsewhere', async () => {
    const child = spawn(process.execPath, ['bin/run.js', 'watch', '-type', 'key', '-key', 'w/x', '--http-addr', addr], { cwd: ROOT });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(() => stdout.includes('null'));
    await h.put('/v1/kv/w/x', 'one');
    await until(() => stdout.includes('"Key"'));
    await h.put('/v1/kv/elsewhere', 'noise');
    await h.put('/v1/kv/w/x', 'two');
    await until(() => stdout.split('"Key"').length === 3);
    child.kill('SIGINT');
    await new Promise((resolve) => child.on('close', resolve));
    const docs = stdout.trim().split(/\n(?=null|\{)/).map((d) => JSON.parse(d) as { Value: string } | null);
    assert.deepEqual(
      docs.map((d) => (d ? Buffer.from(d.Value, 'base64').toString() : null)),
      [null, 'one', 'two'],
    );
  });
});
