import { YAMLParseError, parse as parseYaml } from 'yaml';
import { configError } from './issues.js';

export type ConfigFormat = 'json' | 'yaml';

/** `label`: how the file is named in errors (relative to the working directory when inside it). */
export function parseConfigText(text: string, format: ConfigFormat, label: string): unknown {
  return format === 'json' ? parseJson(text, label) : parseYamlText(text, label);
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // V8 reports a character offset; people look for a line and column.
    const position = /at position (\d+)/.exec(message);
    const where = position && !/line \d/.test(message) ? ` (${lineColumn(text, Number(position[1]))})` : '';
    throw configError(`${label}: invalid JSON: ${message.split('\n')[0]}${where}`);
  }
}

function parseYamlText(text: string, label: string): unknown {
  try {
    // YAML 1.2 core schema: no dates or other implicit types a JSON config could not hold.
    return parseYaml(text, { schema: 'core', uniqueKeys: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      // The message ends in a code excerpt over several lines; one line is what the CLI prints.
      throw configError(`${label}: invalid YAML: ${(err.message.split('\n')[0] ?? '').replace(/:$/, '')}`);
    }
    throw err;
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** The format a file name asks for; HCL gets its own message because Consul users will try it. */
export function formatOf(path: string, label: string): ConfigFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.hcl')) {
    throw configError(`${label}: HCL is not supported; write the configuration as JSON or YAML (the keys are the same)`);
  }
  throw configError(`${label}: unknown configuration format; use a .json, .yaml or .yml file`);
}
