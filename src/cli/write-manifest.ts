/**
 * Writes oclif.manifest.json after each build (what `oclif manifest` does), so a command run
 * loads only its own module instead of importing every command — the agent's included — to
 * read their flags. Run by `npm run build`; the file is generated, not checked in.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Plugin } from '@oclif/core';
import { packageRoot } from './man-pages.js';

const root = packageRoot();
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n');
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`);
