/**
 * `npm run man`: regenerates man/ from the built commands and keeps package.json's `man` list
 * in step. Pages of removed commands are deleted; unchanged files are not rewritten.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildManPages, manField, packageRoot } from './man-pages.js';

const root = packageRoot();
const manDir = join(root, 'man');
const pkgPath = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin?: unknown; man?: unknown; oclif?: { bin?: string } };
const bin = pkg.oclif?.bin ?? 'roster';

const pages = await buildManPages(root);
mkdirSync(manDir, { recursive: true });
let written = 0;
for (const [file, text] of pages) {
  const path = join(manDir, file);
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) {
    writeFileSync(path, text);
    written++;
  }
}
const stale = readdirSync(manDir).filter((f) => f.endsWith('.1') && !pages.has(f));
for (const file of stale) rmSync(join(manDir, file));

// Put `man` right after `bin` the first time, so package.json keeps a readable order.
const wanted = manField(pages, bin);
if (JSON.stringify(pkg.man) !== JSON.stringify(wanted)) {
  const entries = Object.entries(pkg).filter(([k]) => k !== 'man');
  const at = entries.findIndex(([k]) => k === 'bin');
  entries.splice(at === -1 ? entries.length : at + 1, 0, ['man', wanted]);
  writeFileSync(pkgPath, `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`);
  console.log('updated package.json "man"');
}
console.log(`man/: ${pages.size} pages, ${written} written, ${stale.length} removed`);
