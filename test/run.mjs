#!/usr/bin/env node
// Runs the test suite with node's own test runner, TypeScript loaded through tsx.
// Usage: node test/run.mjs [DIR|FILE ...]   (default: everything under test/ except bench/)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const SKIP_DIRS = new Set(['bench', 'fixtures', 'node_modules']);

function collect(path, out) {
  if (statSync(path).isFile()) {
    if (/\.test\.tsx?$/.test(path)) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path).sort()) {
    if (SKIP_DIRS.has(entry)) continue;
    collect(join(path, entry), out);
  }
  return out;
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : [join(root, 'test')]).flatMap((t) => collect(t, []));
if (files.length === 0) {
  console.error('test/run.mjs: no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files.map((f) => relative(root, f) || f)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
