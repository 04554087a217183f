import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import type { Random } from '../../shared/random.js';
import { readFileIfExists, writeFileAtomic } from './atomic-file.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The node's ID, as Consul keeps it: the configured one if given, else the one stored in
 * `<data-dir>/node-id`, else a new random UUID that is stored there for every later start.
 * A configured ID that differs from the stored one is an error: the node would change identity.
 */
export function loadNodeId(dataDir: string, configured: string, random: Random): string {
  const path = join(dataDir, 'node-id');
  const stored = readFileIfExists(path)?.trim();
  if (stored !== undefined && !UUID.test(stored)) {
    throw new AppError('CONFIG', `${path}: not a valid node ID ("${stored}"); remove the file to generate a new one`);
  }
  if (configured && stored && configured.toLowerCase() !== stored.toLowerCase()) {
    throw new AppError('CONFIG', `node ID ${configured} conflicts with ${stored} stored in ${path}`);
  }
  const id = (configured || stored || random.uuid()).toLowerCase();
  if (id !== stored) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileAtomic(path, `${id}\n`);
  }
  return id;
}
