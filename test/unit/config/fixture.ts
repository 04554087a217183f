// Temp working directories with config files, and a loader that records notes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { loadAgentConfig, type AgentFlags, type ConfigNote } from '../../../src/config/index.js';
import { AppError } from '../../../src/shared/errors.js';

/** A fresh directory holding `files` (path → text, or an object written as JSON); removed after the file's tests. */
export function workdir(files: Record<string, string | object> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'roster-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

export async function load(flags: AgentFlags, cwd: string, hostname = 'test-host') {
  const notes: ConfigNote[] = [];
  const config = await loadAgentConfig(flags, { cwd, hostname, onNote: (n) => notes.push(n) });
  return { config, notes };
}

/** Asserts loading fails with a CONFIG AppError whose message is exactly `message` (string) or matches it. */
export async function loadError(flags: AgentFlags, cwd: string): Promise<string> {
  try {
    await loadAgentConfig(flags, { cwd, hostname: 'test-host' });
  } catch (err) {
    if (err instanceof AppError && err.code === 'CONFIG') return err.message;
    throw err;
  }
  throw new Error('expected loading to fail');
}
