import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ServiceRegistration } from '../client/types.js';
import { AppError, errorMessage } from '../shared/errors.js';
import { DefinitionError, parseServiceDefinition } from '../shared/definitions.js';

/** A service read from a file: what to send, plus the ID and name it resolves to. */
export interface ServiceFromFile {
  registration: ServiceRegistration;
  id: string;
  name: string;
}

const fold = (key: string): string => key.replace(/_/g, '').toLowerCase();

/**
 * The service objects in a parsed file. Consul's CLI takes `{"Service": {...}}`,
 * `{"Services": [...]}` (any key casing, as config files use snake_case) or a bare service.
 */
function serviceObjects(doc: unknown, file: string): unknown[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new AppError('BAD_REQUEST', `${file}: expected an object with "Service", "Services" or service fields`);
  }
  const entries = Object.entries(doc);
  const only = entries.length === 1 ? entries[0] : undefined;
  if (only && fold(only[0]) === 'service') return [only[1]];
  if (only && fold(only[0]) === 'services') {
    if (!Array.isArray(only[1])) throw new AppError('BAD_REQUEST', `${file}: "Services" must be a list`);
    return only[1];
  }
  return [doc];
}

function parseDocument(text: string, file: string): unknown {
  try {
    // JSON gets JSON's parser for its clearer errors; anything else is YAML (a superset).
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new AppError('BAD_REQUEST', `${file}: cannot parse: ${errorMessage(err).split('\n')[0]}`);
  }
}

/**
 * Reads and validates service definitions, with the agent's own rules so a bad file fails
 * here with its name instead of half-registering. The file's object is sent as written: the
 * agent accepts Consul's CamelCase and snake_case alike.
 */
export async function readServiceFiles(files: readonly string[]): Promise<ServiceFromFile[]> {
  const out: ServiceFromFile[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new AppError('BAD_REQUEST', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
    }
    serviceObjects(parseDocument(text, file), file).forEach((raw, i, all) => {
      const where = all.length > 1 ? `${file}: service[${i}]` : `${file}: service`;
      try {
        const def = parseServiceDefinition(raw, where);
        out.push({ registration: raw as ServiceRegistration, id: def.ID, name: def.Name });
      } catch (err) {
        if (err instanceof DefinitionError) throw new AppError('BAD_REQUEST', err.message);
        throw err;
      }
    });
  }
  return out;
}
