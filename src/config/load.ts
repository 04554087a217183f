import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { configError } from './issues.js';
import type { NoteSink } from './notes.js';
import { formatOf, parseConfigText, type ConfigFormat } from './parse.js';

/** One configuration file, read and parsed but not yet validated. */
export interface LoadedFile {
  /** Absolute path. */
  path: string;
  /** How errors name it: relative to the working directory when inside it. */
  label: string;
  content: unknown;
}

export const SEARCH_PLACES = [
  'roster.config.json',
  'roster.config.yaml',
  'roster.config.yml',
  '.rosterrc',
  '.rosterrc.json',
  '.rosterrc.yaml',
  '.rosterrc.yml',
] as const;

// cosmiconfig 9 looks for a "meta" config in process.cwd() on every cosmiconfig() call and
// loads these with its default loaders, i.e. runs them, whatever options we pass. A daemon
// must not execute code from its working directory, so their presence is refused up front.
const EXECUTABLE_META_CONFIGS = ['.config/config.js', '.config/config.ts', '.config/config.cjs', '.config/config.mjs'];
const CODE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

export function labelFor(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function loaderFor(format: ConfigFormat, cwd: string): Loader {
  return (filepath, content) => {
    const value = parseConfigText(content, format, labelFor(filepath, cwd));
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, '$import')) {
      // cosmiconfig would follow it with its own merge rules (and loaders); we have -config-file.
      throw configError(`${labelFor(filepath, cwd)}: $import is not supported; pass more files with -config-file or -config-dir`);
    }
    return value;
  };
}

const refuseCode: Loader = (filepath) => {
  throw configError(`${filepath}: JavaScript/TypeScript configuration is never loaded: a daemon must not execute its config; use JSON or YAML`);
};

/** The one config file found in `cwd` (first of SEARCH_PLACES), or undefined. */
export async function discoverConfigFile(cwd: string, note: NoteSink): Promise<LoadedFile | undefined> {
  const executable = EXECUTABLE_META_CONFIGS.find((p) => existsSync(join(process.cwd(), p)));
  if (executable) {
    throw configError(
      `${join(process.cwd(), executable)}: refusing to start: the config library would execute this file; remove it or start roster from another directory`,
    );
  }
  const explorer = cosmiconfig('roster', {
    searchStrategy: 'none',
    searchPlaces: [...SEARCH_PLACES],
    cache: false,
    ignoreEmptySearchPlaces: false, // an empty roster.config.yaml is still the file in use
    loaders: {
      '.json': loaderFor('json', cwd),
      '.yaml': loaderFor('yaml', cwd),
      '.yml': loaderFor('yaml', cwd),
      noExt: loaderFor('yaml', cwd), // .rosterrc: YAML, which also reads JSON
      ...Object.fromEntries(CODE_EXTENSIONS.map((ext) => [ext, refuseCode])),
    },
  });
  const result = await explorer.search(cwd);
  if (!result) return undefined;
  const allowed = SEARCH_PLACES.map((place) => join(cwd, place));
  if (!allowed.includes(result.filepath)) {
    // A cosmiconfig meta-config (package.json "cosmiconfig" key, .config/config.*) redirected the search.
    throw configError(
      `${labelFor(result.filepath, cwd)}: not a roster configuration file name (${SEARCH_PLACES.join(', ')}); it was selected by a cosmiconfig meta-configuration, which roster does not honour`,
    );
  }
  const others = allowed.filter((p) => p !== result.filepath && existsSync(p));
  if (others.length > 0) {
    const names = others.map((p) => labelFor(p, cwd)).join(', ');
    note({ level: 'warn', message: `using ${labelFor(result.filepath, cwd)}; also found ${names}, which is not read` });
  }
  return { path: result.filepath, label: labelFor(result.filepath, cwd), content: result.isEmpty ? {} : result.config };
}

/** A file named with -config-file (or found in a -config-dir). */
export async function readConfigFile(file: string, cwd: string): Promise<LoadedFile> {
  const path = resolve(cwd, file);
  const label = labelFor(path, cwd);
  const format = formatOf(path, label);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw configError(`${label}: cannot read configuration file: ${describeFsError(err)}`);
  }
  return { path, label, content: text.trim() === '' ? {} : parseConfigText(text, format, label) };
}

/** Every *.json, *.yaml and *.yml directly in `dir`, in alphabetical order (Consul's rule; no recursion). */
export async function readConfigDir(dir: string, cwd: string): Promise<LoadedFile[]> {
  const path = resolve(cwd, dir);
  const label = labelFor(path, cwd);
  let names: string[];
  try {
    names = await readdir(path);
  } catch (err) {
    throw configError(`${label}: cannot read configuration directory: ${describeFsError(err)}`);
  }
  const picked: string[] = [];
  for (const name of [...names].sort()) {
    const lower = name.toLowerCase();
    const config = lower.endsWith('.json') || lower.endsWith('.yaml') || lower.endsWith('.yml');
    if (!config && !lower.endsWith('.hcl')) continue; // other files are skipped, as Consul does
    // stat follows symlinks: a link to a file counts, a subdirectory named x.json does not.
    const info = await stat(join(path, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    picked.push(join(path, name)); // .hcl reaches formatOf, which explains that HCL is not supported
  }
  const files: LoadedFile[] = [];
  for (const file of picked) files.push(await readConfigFile(file, cwd));
  return files;
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'not a directory';
  return err instanceof Error ? err.message : String(err);
}

/**
 * All configuration files in merge order: the discovered file, then each -config-file, then
 * each -config-dir's files.
 */
export async function loadConfigFiles(
  paths: { files: readonly string[]; dirs: readonly string[] },
  cwd: string,
  note: NoteSink,
): Promise<LoadedFile[]> {
  const discovered = await discoverConfigFile(cwd, note);
  const out: LoadedFile[] = discovered ? [discovered] : [];
  for (const file of paths.files) {
    // Naming the discovered file again would append its lists twice.
    if (discovered && resolve(cwd, file) === discovered.path) {
      note({ level: 'debug', message: `${discovered.label}: already loaded from the working directory` });
      continue;
    }
    out.push(await readConfigFile(file, cwd));
  }
  for (const dir of paths.dirs) out.push(...(await readConfigDir(dir, cwd)));
  return out;
}
