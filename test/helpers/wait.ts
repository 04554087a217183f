// Polling for integration tests: wait until a probe yields a value, or fail naming what was awaited.

/**
 * Calls `probe` every `intervalMs` until it returns something other than undefined (a throw
 * counts as "not yet"). On timeout the error names `what` and appends `context()` (e.g. the
 * agents' recent logs) so a CI failure explains itself.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.context ? `\n${options.context()}` : ''}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
