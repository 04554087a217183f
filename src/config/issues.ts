import type { ZodErrorMap, ZodIssue } from 'zod';
import { AppError } from '../shared/errors.js';

/** Every configuration problem is one of these; the CLI prints the message as one line. */
export function configError(message: string): AppError {
  return new AppError('CONFIG', message);
}

/** `['ports', 'http']` → `ports.http`, `['services', 0, 'name']` → `services[0].name`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  integer: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

/**
 * Zod's wording ("Expected number, received string") is replaced by ours: what was expected, in
 * plain words. The value that was found is appended by `describeIssue`, which has the input.
 */
export const configErrorMap: ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case 'invalid_type':
      return { message: `expected ${EXPECTED[issue.expected] ?? issue.expected}` };
    case 'too_small':
      return { message: `expected at least ${String(issue.minimum)}` };
    case 'too_big':
      return { message: `expected at most ${String(issue.maximum)}` };
    default:
      return { message: ctx.defaultError };
  }
};

/** A short rendering of a user's value for an error message. */
export function showValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
  }
  return String(value);
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let at = input;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[part];
  }
  return at;
}

/**
 * One issue as `<where>: <what was expected>, got <value>`. `where` turns a key path into the
 * prefix the user needs: `roster.config.json: ports.http` for a file, `-http-port` for a flag.
 * `unknownKey` words the message for a key the schema does not have.
 */
export function describeIssue(
  issue: ZodIssue,
  input: unknown,
  where: (path: string) => string,
  unknownKey: (path: string, key: string) => string,
): string {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const path = formatPath([...issue.path, key]);
    return `${where(path)}: ${unknownKey(formatPath(issue.path), key)}`;
  }
  const value = valueAt(input, issue.path);
  // "got a list" helps when the type is wrong; for a rule about a whole object or list it is noise.
  const scalar = value === null || typeof value !== 'object';
  const got = value !== undefined && (scalar || issue.code === 'invalid_type') ? `, got ${showValue(value)}` : '';
  return `${where(formatPath(issue.path))}: ${issue.message}${got}`;
}
