/**
 * An outcome that is not plain success but has its own exact wording or exit status, as
 * Consul's CLI defines them: `members` exits 2 when nothing matches (printing nothing),
 * `kv get` prints `Error! No key exists at: k` and exits 1. The base command prints `line`
 * verbatim on stderr and, under --json, `data` (when given) on stdout.
 */
export class CommandExit extends Error {
  override readonly name = 'CommandExit';
  constructor(
    readonly exitCode: number,
    readonly line?: string,
    readonly data?: unknown,
    /** Stable code for the `--json` error object when there is no `data`. */
    readonly code: string = 'FAILED',
  ) {
    super(line ?? `exit status ${exitCode}`);
  }
}
