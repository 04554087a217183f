import { DefinitionError, parseCheckDefinition, parseServiceDefinition, type CheckDefinition, type ServiceDefinition } from '../shared/definitions.js';
import { flagForPath } from './flags.js';
import { configError, configErrorMap, describeIssue, showValue } from './issues.js';
import { stripIgnoredKeys, unknownKeyMessage } from './keys.js';
import type { LoadedFile } from './load.js';
import type { NoteSink } from './notes.js';
import { KNOWN_KEYS, fileConfigSchema, type FileConfig } from './schema.js';

/**
 * One validated source of configuration, in the shape merging works on: aliases folded
 * (start_join into retry_join), `service`/`services` into one list of parsed definitions.
 */
export type LayerData = Omit<FileConfig, 'service' | 'services' | 'check' | 'checks' | 'start_join' | 'start_join_wan'> & {
  services?: ServiceDefinition[];
  checks?: CheckDefinition[];
};

export interface ConfigLayer {
  data: LayerData;
  /** The error prefix for a key of this layer: `roster.config.json: ports.http`, or `-http-port`. */
  where(path: string): string;
}

function validate(raw: Record<string, unknown>, where: (path: string) => string): FileConfig {
  const parsed = fileConfigSchema.safeParse(raw, { errorMap: configErrorMap });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw configError(describeIssue(issue, raw, where, (parent, key) => unknownKeyMessage(parent, key, KNOWN_KEYS[parent] ?? [])));
}

function definitions<T>(items: { input: unknown; where: string }[], label: string, parse: (input: unknown, where: string) => T): T[] {
  return items.map(({ input, where }) => {
    try {
      return parse(input, where);
    } catch (err) {
      if (err instanceof DefinitionError) throw configError(`${label}: ${err.message}`);
      throw err;
    }
  });
}

function fold(config: FileConfig, label: string): LayerData {
  const { service, services, check, checks, start_join, start_join_wan, ...rest } = config;
  const data: LayerData = { ...rest };
  if (start_join) data.retry_join = [...(data.retry_join ?? []), ...start_join];
  if (start_join_wan) data.retry_join_wan = [...(data.retry_join_wan ?? []), ...start_join_wan];
  const serviceInputs = [
    ...(service ? [{ input: service, where: 'service' }] : []),
    ...(services ?? []).map((input, i) => ({ input, where: `services[${i}]` })),
  ];
  const checkInputs = [
    ...(check ? [{ input: check, where: 'check' }] : []),
    ...(checks ?? []).map((input, i) => ({ input, where: `checks[${i}]` })),
  ];
  if (serviceInputs.length) data.services = definitions(serviceInputs, label, (input, where) => parseServiceDefinition(input, where));
  if (checkInputs.length) data.checks = definitions(checkInputs, label, (input, where) => parseCheckDefinition(input, where));
  return data;
}

/** Validates one file. Ignored keys are reported to `note`; everything else wrong throws. */
export function fileLayer(file: LoadedFile, note: NoteSink): ConfigLayer {
  const where = (path: string) => (path ? `${file.label}: ${path}` : file.label);
  const content = file.content;
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw configError(`${file.label}: expected an object of configuration keys at the top level, got ${showValue(content)}`);
  }
  const raw = stripIgnoredKeys(content as Record<string, unknown>, file.label, note);
  return { data: fold(validate(raw, where), file.label), where };
}

/** Validates the command line's flags, already turned into config keys by flagsToConfig. */
export function flagLayer(raw: Record<string, unknown>): ConfigLayer {
  return { data: fold(validate(raw, flagForPath), 'command line'), where: flagForPath };
}
