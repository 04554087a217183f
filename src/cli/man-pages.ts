import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, Plugin } from '@oclif/core';
import { manFileName, renderCommandPage, renderIndexPage } from './man-page.js';
import type { ManContext } from './man-page.js';

/**
 * The package root, found by walking up from this file: it runs both compiled
 * (dist/src/cli) and from source under tsx (src/cli), at different depths.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/**
 * Every man page the CLI should ship, file name → roff text, built from the commands oclif
 * discovers in the package (the build output, so run `npm run build` first). Commands added
 * later, such as `agent`, get a page without any change here.
 */
export async function buildManPages(root: string = packageRoot()): Promise<Map<string, string>> {
  // Loaded by hand to turn on errorOnManifestCreate: by default oclif only warns about a
  // command module that fails to import and leaves it out, which would silently drop a page.
  const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
  await plugin.load();
  const config = await Config.load({ root, plugins: new Map([[plugin.name, plugin]]) });
  const commands = config.commands.filter((c) => !c.hidden).sort((a, b) => (a.id < b.id ? -1 : 1));
  const ctx: ManContext = {
    bin: config.bin,
    version: config.version,
    description: String(config.pjson.description ?? ''),
    topicSeparator: config.topicSeparator,
    jsonEnvVar: config.scopedEnvVarKey('CONTENT_TYPE'),
    topics: config.topics
      .filter((t) => !t.hidden && t.description)
      .map((t) => ({ name: t.name.split(':').join(config.topicSeparator), description: t.description ?? '' }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
  const pages = new Map<string, string>([[manFileName(ctx.bin), renderIndexPage(commands, ctx)]]);
  for (const cmd of commands) pages.set(manFileName(ctx.bin, cmd.id), renderCommandPage(cmd, ctx));
  return pages;
}

/** package.json's `man` field for these pages: the CLI's own page first, then the rest sorted. */
export function manField(pages: Map<string, string>, bin: string): string[] {
  const own = manFileName(bin);
  return [own, ...[...pages.keys()].filter((f) => f !== own).sort()].map((f) => `./man/${f}`);
}
