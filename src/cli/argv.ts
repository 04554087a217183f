/**
 * Consul's CLI is built on Go's `flag` package, where long flags take one dash (`-dev`,
 * `-data-dir=/x`). oclif wants two. Rewriting argv before oclif sees it lets every Consul
 * command line and script work unchanged, while `--dev` keeps working too.
 *
 * Left alone: short flags (`-h`), anything already `--x`, a lone `-` (stdin), negative numbers,
 * and everything after `--` (those are operands, whatever they look like).
 */

// A dash, then a flag name of two or more characters that starts with a letter, then an
// optional `=value`. Digits first (`-1`, `-0.5`) means a number, not a flag.
const SINGLE_DASH_LONG = /^-([A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9_])(=[\s\S]*)?$/;

export function normalizeArgv(argv: string[]): string[] {
  const out: string[] = [];
  let operandsOnly = false;
  for (const arg of argv) {
    if (operandsOnly) {
      out.push(arg);
      continue;
    }
    if (arg === '--') {
      operandsOnly = true;
      out.push(arg);
      continue;
    }
    out.push(SINGLE_DASH_LONG.test(arg) ? `-${arg}` : arg);
  }
  return out;
}
