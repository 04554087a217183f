import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { upgradeCheckDefinition, type CheckDefinition, type ServiceDefinition } from '../../shared/definitions.js';
import { errorMessage } from '../../shared/errors.js';
import { readFileIfExists, writeFileAtomic } from './atomic-file.js';

const FORMAT_VERSION = 1;

export interface PersistedLocalState {
  services: ServiceDefinition[];
  checks: CheckDefinition[];
}

/**
 * Services and checks registered through the API, kept in `<data-dir>/local/state.json` so a
 * restarted agent comes back with them (Consul persists each under data-dir too). Definitions
 * from config files are not stored: the files are read again on start.
 */
export class LocalStateFile {
  private readonly path: string;

  constructor(dataDir: string) {
    const dir = join(dataDir, 'local');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, 'state.json');
  }

  save(state: PersistedLocalState): void {
    writeFileAtomic(this.path, JSON.stringify({ version: FORMAT_VERSION, ...state }, null, 2) + '\n');
  }

  /**
   * Reads what was saved. A damaged file is reported, not fatal: the agent starts without the
   * API registrations (config-file services still load) and says which file it could not read.
   */
  load(onProblem: (message: string) => void): PersistedLocalState {
    const text = readFileIfExists(this.path);
    if (text === undefined) return { services: [], checks: [] };
    try {
      const raw = JSON.parse(text) as { version?: unknown; services?: unknown[]; checks?: unknown[] };
      if (raw.version !== FORMAT_VERSION) throw new Error(`unknown format version ${String(raw.version)}`);
      if (!Array.isArray(raw.services) || !Array.isArray(raw.checks)) throw new Error('services and checks must be lists');
      // Written only by save(), from definitions that were validated when they were registered.
      // Files from an older roster lack newer check fields; those get their defaults.
      const services = (raw.services as ServiceDefinition[]).map((s) => ({ ...s, Checks: s.Checks.map(upgradeCheckDefinition) }));
      return { services, checks: (raw.checks as CheckDefinition[]).map(upgradeCheckDefinition) };
    } catch (err) {
      onProblem(`${this.path}: ${errorMessage(err)}; starting without its registrations`);
      return { services: [], checks: [] };
    }
  }
}
