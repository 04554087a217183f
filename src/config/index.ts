import { flagsToConfig, type AgentFlags } from './flags.js';
import { deepFreeze } from './freeze.js';
import { fileLayer, flagLayer } from './layer.js';
import { loadConfigFiles } from './load.js';
import { mergeLayers } from './merge.js';
import type { NoteSink } from './notes.js';
import { resolveConfig } from './resolve.js';
import type { AgentConfig } from './types.js';

export type { AgentFlags } from './flags.js';
export type { ConfigNote, NoteSink } from './notes.js';
export type { AgentConfig } from './types.js';

export interface LoadOptions {
  /** Where roster.config.* is looked for and relative -config-file/-config-dir paths start. */
  cwd: string;
  /** The default node name. */
  hostname: string;
  /** Receives warnings and debug notes; loading happens before a logger exists. Default: dropped. */
  onNote?: NoteSink;
}

/**
 * The agent's configuration: defaults < discovered file < -config-file files < -config-dir
 * files < flags, validated and deep-frozen. Throws AppError('CONFIG') naming the file (or
 * flag), the key and what was expected.
 */
export async function loadAgentConfig(flags: AgentFlags, options: LoadOptions): Promise<AgentConfig> {
  const note = options.onNote ?? (() => {});
  const files = await loadConfigFiles({ files: flags['config-file'] ?? [], dirs: flags['config-dir'] ?? [] }, options.cwd, note);
  const layers = [...files.map((file) => fileLayer(file, note)), flagLayer(flagsToConfig(flags))];
  if (flags.ui) note({ level: 'debug', message: '-ui: ignored (roster has no web UI)' });
  const config = resolveConfig(mergeLayers(layers), {
    dev: flags.dev === true,
    hostname: options.hostname,
    sources: files.map((f) => f.path),
    note,
  });
  return deepFreeze(config);
}
