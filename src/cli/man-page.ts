import type { Command } from '@oclif/core';

/**
 * Renders roff man pages from oclif's own command definitions (the cached form that
 * `config.commands` and oclif.manifest.json hold), so a page can never describe flags the
 * command does not have. Output is deterministic — no dates, sorted everything — so a test can
 * regenerate the pages and compare them byte for byte with man/.
 */

export interface ManContext {
  bin: string;
  version: string;
  /** The CLI's one-line description (package.json). */
  description: string;
  topicSeparator: string;
  /** oclif's scoped env var that turns JSON output on, e.g. ROSTER_CONTENT_TYPE. */
  jsonEnvVar: string;
  topics: { name: string; description: string }[];
}

/** The extra static properties roster's base command declares for these pages. */
interface ManExtras {
  exitStatus?: Record<string, string>;
  environment?: Record<string, string>;
}

type ManCommand = Command.Cached & ManExtras;
type CachedFlag = Command.Flag.Cached;

const DEFAULT_EXIT_STATUS: Record<string, string> = { 0: 'Success.', 1: 'An error; a message is printed on standard error.' };

/** Escapes text for roff: backslashes, hyphens (so options copy-paste as ASCII) and control lines. */
export function roffEscape(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

const bold = (text: string): string => `\\fB${roffEscape(text)}\\fR`;
const italic = (text: string): string => `\\fI${roffEscape(text)}\\fR`;

/** `kv:get` → `kv get` (or whatever separator the CLI uses). */
export const displayId = (id: string, ctx: ManContext): string => id.split(':').join(ctx.topicSeparator);

/** `roster-kv-get.1`; the CLI's own page is `roster.1`. */
export const manFileName = (bin: string, id?: string): string => (id ? `${bin}-${id.split(':').join('-')}.1` : `${bin}.1`);

/** Fills the two EJS placeholders oclif examples use; anything else is a mistake to surface. */
function fillTemplate(text: string, ctx: ManContext, id: string): string {
  const filled = text.replace(/<%=\s*config\.bin\s*%>/g, ctx.bin).replace(/<%=\s*command\.id\s*%>/g, displayId(id, ctx));
  if (filled.includes('<%')) throw new Error(`unsupported template in the examples of "${id}": ${text}`);
  return filled;
}

/** A summary as a sentence, so the text after it does not run on. */
const sentence = (text: string): string => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .flatMap((p) => ['.PP', roffEscape(p)]);
}

function header(title: string, ctx: ManContext): string[] {
  return [
    `.\\" Generated from the oclif command definitions by src/cli/man-page.ts; do not edit. Run: npm run man`,
    `.TH ${roffEscape(title.toUpperCase())} 1 "" "${roffEscape(`${ctx.bin} ${ctx.version}`)}" "${roffEscape(`${ctx.bin} manual`)}"`,
    // No hyphenation: a flag, key or variable name split across lines copies wrongly.
    '.nh',
  ];
}

function argUsage(name: string, arg: Command.Arg.Cached): string {
  const label = italic(name.toUpperCase()) + (arg.multiple ? '...' : '');
  return arg.required ? label : `[${label}]`;
}

function flagTerm(flag: CachedFlag): string {
  const names = [...(flag.char ? [bold(`-${flag.char}`)] : []), bold(`--${flag.name}`)].join(', ');
  if (flag.type === 'boolean') return names;
  const value = typeof flag.helpValue === 'string' ? flag.helpValue : `<${flag.name}>`;
  return `${names}=${italic(value)}`;
}

function flagBody(flag: CachedFlag): string {
  const parts = [flag.summary, flag.description].filter((p): p is string => Boolean(p)).map((p) => p.trim());
  if (flag.type === 'option') {
    if (flag.options?.length) parts.push(`One of: ${flag.options.join(', ')}.`);
    if (flag.multiple) parts.push('May be given more than once.');
    const def = flag.default;
    if (def !== undefined && def !== '' && !(Array.isArray(def) && def.length === 0)) parts.push(`Default: ${String(def)}.`);
  }
  if (flag.required) parts.push('Required.');
  if (flag.env) parts.push(`Environment: ${flag.env}.`);
  if (flag.exclusive?.length) parts.push(`Cannot be used with ${flag.exclusive.map((f) => `--${f}`).join(', ')}.`);
  return roffEscape(parts.join(' '));
}

/** Command flags first, then the GLOBAL group (--http-addr, --json), each alphabetical. */
function sortedFlags(cmd: ManCommand): CachedFlag[] {
  const visible = Object.values(cmd.flags).filter((f) => !f.hidden);
  const byName = (a: CachedFlag, b: CachedFlag): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return [...visible.filter((f) => f.helpGroup !== 'GLOBAL').sort(byName), ...visible.filter((f) => f.helpGroup === 'GLOBAL').sort(byName)];
}

const HELP_OPTION = ['.TP', `${bold('-h')}, ${bold('--help')}`, 'Show help for this command and exit.'];
const DASH_NOTE = roffEscape('Long options may also be written with a single dash (-name=value), as in Consul.');

function optionsSection(cmd: ManCommand): string[] {
  const out = ['.SH OPTIONS', DASH_NOTE];
  for (const flag of sortedFlags(cmd)) out.push('.TP', flagTerm(flag), flagBody(flag));
  out.push(...HELP_OPTION);
  return out;
}

function argumentsSection(cmd: ManCommand): string[] {
  const args = Object.entries(cmd.args ?? {}).filter(([, a]) => !a.hidden);
  if (args.length === 0) return [];
  const out = ['.SH ARGUMENTS'];
  for (const [name, arg] of args) {
    out.push('.TP', italic(name.toUpperCase()) + (arg.multiple ? '...' : ''), roffEscape(arg.description ?? ''));
  }
  return out;
}

function examplesSection(cmd: ManCommand, ctx: ManContext): string[] {
  const out = ['.SH EXAMPLES'];
  const examples = cmd.examples ?? [];
  if (examples.length === 0) out.push(roffEscape(`${ctx.bin} ${displayId(cmd.id, ctx)} --help`));
  for (const example of examples) {
    const { command, description } = typeof example === 'string' ? { command: example, description: '' } : example;
    if (description) out.push('.PP', roffEscape(fillTemplate(description, ctx, cmd.id)));
    out.push('.PP', '.RS 4', '.nf', roffEscape(fillTemplate(command, ctx, cmd.id)), '.fi', '.RE');
  }
  return out;
}

function exitStatusSection(codes: Record<string, string>): string[] {
  const out = ['.SH EXIT STATUS'];
  for (const code of Object.keys(codes).sort((a, b) => Number(a) - Number(b))) out.push('.TP', bold(code), roffEscape(codes[code] ?? ''));
  return out;
}

function environmentSection(cmd: ManCommand, ctx: ManContext): string[] {
  const vars = new Map<string, string>();
  for (const flag of sortedFlags(cmd)) if (flag.env) vars.set(flag.env, `Sets --${flag.name} when the option is not given.`);
  for (const [name, text] of Object.entries(cmd.environment ?? {})) vars.set(name, text);
  if (cmd.flags.json) vars.set(ctx.jsonEnvVar, 'When set to json, output is JSON as if --json were given.');
  const out = ['.SH ENVIRONMENT'];
  if (vars.size === 0) out.push('This command reads no environment variables.');
  for (const [name, text] of [...vars].sort(([a], [b]) => (a < b ? -1 : 1))) out.push('.TP', bold(name), roffEscape(text));
  return out;
}

/** The page for one command: NAME, SYNOPSIS, DESCRIPTION, ARGUMENTS, OPTIONS, EXAMPLES, EXIT STATUS, ENVIRONMENT. */
export function renderCommandPage(cmd: ManCommand, ctx: ManContext): string {
  const name = manFileName(ctx.bin, cmd.id).replace(/\.1$/, '');
  const summary = (cmd.summary ?? cmd.description?.split('\n')[0] ?? '').trim();
  const args = Object.entries(cmd.args ?? {}).filter(([, a]) => !a.hidden);
  const description = cmd.description && cmd.description.trim() !== summary ? cmd.description : '';
  const lines = [
    ...header(name, ctx),
    '.SH NAME',
    `${roffEscape(name)} \\- ${roffEscape(summary)}`,
    '.SH SYNOPSIS',
    `${bold(`${ctx.bin} ${displayId(cmd.id, ctx)}`)} ${[...args.map(([n, a]) => argUsage(n, a)), `[${italic('OPTIONS')}]`].join(' ')}`,
    '.SH DESCRIPTION',
    roffEscape(summary),
    ...paragraphs(description),
    ...argumentsSection(cmd),
    ...optionsSection(cmd),
    ...examplesSection(cmd, ctx),
    ...exitStatusSection(cmd.exitStatus ?? DEFAULT_EXIT_STATUS),
    ...environmentSection(cmd, ctx),
    '.SH SEE ALSO',
    `${bold(ctx.bin)}(1)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The CLI's own page: what it is, every command with its summary, and the conventions they share. */
export function renderIndexPage(commands: readonly ManCommand[], ctx: ManContext): string {
  const sorted = [...commands].sort((a, b) => (a.id < b.id ? -1 : 1));
  const lines = [
    ...header(ctx.bin, ctx),
    '.SH NAME',
    `${roffEscape(ctx.bin)} \\- ${roffEscape(ctx.description)}`,
    '.SH SYNOPSIS',
    `${bold(ctx.bin)} ${italic('COMMAND')} [${italic('OPTIONS')}]`,
    '.br',
    `${bold(ctx.bin)} ${italic('COMMAND')} ${bold('--help')}`,
    '.SH DESCRIPTION',
    roffEscape(ctx.description),
    ...paragraphs(
      `Commands other than the agent talk to a running agent over its HTTP API (127.0.0.1:8500 unless --http-addr, ROSTER_HTTP_ADDR or CONSUL_HTTP_ADDR says otherwise). They print a table or plain text for people, or with --json exactly the data they fetched or changed. Long options may be written with one dash, as in Consul (-http-addr=127.0.0.2:8500), or with two.`,
    ),
    '.SH COMMANDS',
    ...sorted.flatMap((c) => [
      '.TP',
      bold(`${ctx.bin} ${displayId(c.id, ctx)}`),
      `${roffEscape(sentence(c.summary ?? ''))} See ${bold(manFileName(ctx.bin, c.id).replace(/\.1$/, ''))}(1).`,
    ]),
    ...(ctx.topics.length ? ['.SH TOPICS', ...ctx.topics.flatMap((t) => ['.TP', bold(t.name), roffEscape(t.description)])] : []),
    '.SH OPTIONS',
    '.TP',
    `${bold('-h')}, ${bold('--help')}`,
    'Show help (for the CLI, a topic or a command) and exit.',
    '.TP',
    `${bold('-v')}, ${bold('--version')}`,
    'Print the version and exit.',
    '.PP',
    roffEscape("Each command's own options are listed in its page."),
    '.SH EXAMPLES',
    ...[`${ctx.bin} members`, `${ctx.bin} kv put config/web/port 8080`, `${ctx.bin} services register web.json`, `${ctx.bin} catalog nodes -service=web --json`].flatMap(
      (example) => ['.PP', '.RS 4', '.nf', roffEscape(example), '.fi', '.RE'],
    ),
    ...exitStatusSection({
      0: 'Success.',
      1: 'An error: bad flags or arguments, no agent reachable, or the agent refused the request. One line describing it is printed on standard error.',
      2: 'members only: no member matched the -status filter.',
    }),
    '.SH ENVIRONMENT',
    '.TP',
    bold('ROSTER_HTTP_ADDR'),
    roffEscape('Address of the agent HTTP API for every command (host:port, http://host:port or https://host:port).'),
    '.TP',
    bold('CONSUL_HTTP_ADDR'),
    roffEscape('Used when ROSTER_HTTP_ADDR is not set.'),
    '.TP',
    bold(ctx.jsonEnvVar),
    roffEscape('When set to json, every command prints JSON as if --json were given.'),
    '.SH SEE ALSO',
    // A list of long unbreakable names: justified, some lines cannot be adjusted (groff warns).
    '.ad l',
    sorted.map((c) => `${bold(manFileName(ctx.bin, c.id).replace(/\.1$/, ''))}(1)`).join(', '),
  ];
  return `${lines.join('\n')}\n`;
}
