// What the benchmark scripts share: where the agent is, command-line flags, and small statistics.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** The agent's entry point (run after `npm run build`: it uses ./dist). */
export const bin = path.join(root, 'bin/run.js');

/** Flag lookups over `argv`: `has('--quick')`, `arg(['-c', '--concurrency'], 16)` (the value after the first name given). */
export function flags(argv = process.argv.slice(2)) {
  return {
    argv,
    has: (...names) => names.some((n) => argv.includes(n)),
    arg: (names, fallback) => {
      for (const n of names) {
        const i = argv.indexOf(n);
        if (i !== -1 && i + 1 < argv.length) return argv[i + 1];
      }
      return fallback;
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The q-quantile by the nearest-rank method (NaN for no samples). */
export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
