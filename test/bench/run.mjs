#!/usr/bin/env node
// `npm run bench`: every benchmark, one after another. Figures and ratios are printed, never asserted.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const benches = ['agent-dev.mjs', 'gossip.ts'];
let failed = false;
for (const bench of benches) {
  console.log(`### ${bench}`);
  const result = spawnSync(process.execPath, [...(bench.endsWith('.ts') ? ['--import', 'tsx'] : []), `${here}${bench}`, ...process.argv.slice(2)], { stdio: 'inherit' });
  failed ||= result.status !== 0;
}
process.exit(failed ? 1 : 0);
