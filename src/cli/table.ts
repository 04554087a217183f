/**
 * Columns separated by two spaces, left-aligned, trailing blanks trimmed: the layout of
 * Consul's `columnize` output, so eyes and `awk` that know Consul read ours the same way.
 */
export function formatTable(header: readonly string[] | null, rows: readonly (readonly string[])[]): string {
  const all = header ? [header, ...rows] : [...rows];
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return all
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

/** `k1=v1,k2=v2` sorted by key, the way Consul prints tags and meta. */
export function formatPairs(map: Record<string, string> | null | undefined, separator = ','): string {
  return Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(separator);
}
