// Runs the built CLI (`node bin/run.js ...`) as a child process, the way users run it. Async on
// purpose: the fake agent answering it lives in this process's event loop.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  /** stdout as bytes, for values that are not text. */
  stdoutBytes: Buffer;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(`${ROOT}dist/commands/members.js`) || !existsSync(`${ROOT}dist/src/cli/argv.js`)) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does it)');
  }
}

/** Environment without any agent address, so each test states the one it means. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['ROSTER_HTTP_ADDR', 'CONSUL_HTTP_ADDR', 'ROSTER_CONTENT_TYPE', 'DEBUG', 'NODE_OPTIONS']) delete env[name];
  return { ...env, ...extra, NO_COLOR: '1' };
}

export function runCli(args: string[], options: { env?: Record<string, string>; stdin?: string | Buffer } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run.js', ...args], { cwd: ROOT, env: cleanEnv(options.env ?? {}) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** `runCli` with `--http-addr` pointing at a fake agent. */
export const runAgainst = (addr: string, args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<CliResult> =>
  runCli([...args, '--http-addr', addr], options);
