// Script checks run real processes (node -e ...): exit codes, output, timeouts, process groups.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptProbe } from '../../../src/agent/checks/script.js';

const node = (code: string): string[] => [process.execPath, '-e', code];

/** Running, not merely a zombie waiting to be reaped (a container's init may never reap it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return true;
  }
}

describe('script checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-script-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exit 0 is passing, 1 warning, anything else critical; stdout and stderr are the output', async () => {
    assert.deepEqual(await scriptProbe(node('console.log("fine")'))(5000), { status: 'passing', output: 'fine\n' });
    assert.deepEqual(await scriptProbe(node('process.stderr.write("disk 85%"); process.exit(1)'))(5000), { status: 'warning', output: 'disk 85%' });
    assert.deepEqual(await scriptProbe(node('process.stdout.write("a"); process.stderr.write("b"); process.exit(2)'))(5000), {
      status: 'critical',
      output: 'ab',
    });
  });

  it('arguments are passed as they are, with no shell in between', async () => {
    const r = await scriptProbe([process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', '$HOME', '*', 'a b;c'])(5000);
    assert.deepEqual(JSON.parse(r.output), ['$HOME', '*', 'a b;c']);
  });

  it('keeps the last 4 KiB of a long output and says how much there was', async () => {
    const r = await scriptProbe(node('process.stdout.write("x".repeat(10000) + "TAIL")'))(5000);
    assert.equal(r.status, 'passing');
    const [head, dots, kept] = r.output.split('\n');
    assert.equal(head, 'Captured 4096 of 10004 bytes');
    assert.equal(dots, '...');
    assert.equal(kept!.length, 4096);
    assert.ok(kept!.endsWith('xTAIL'));
  });

  it('a command that cannot start is critical', async () => {
    const r = await scriptProbe([join(dir, 'no-such-command')])(5000);
    assert.equal(r.status, 'critical');
    assert.match(r.output, /ENOENT/);
  });

  it('on timeout the whole process group is killed and the check is critical', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    // The script starts a grandchild that would sleep for a minute, prints, then hangs itself.
    const script = `
      const { spawn } = require('node:child_process');
      const fs = require('node:fs');
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      fs.writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
      console.log('started');
      setTimeout(() => {}, 60000);`;
    const started = Date.now();
    const r = await scriptProbe(node(script))(1500);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(r.status, 'critical');
    assert.equal(r.output, 'Timed out (1.5s) running check\n\nstarted\n');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(alive(grandchild), false, 'the grandchild went with its group');
  });
});
