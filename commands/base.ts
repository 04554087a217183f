import { Command, Errors, Flags } from '@oclif/core';
import type { Interfaces } from '@oclif/core';
import { createApiClient } from '../src/client/api-client.js';
import type { ApiClient } from '../src/client/api-client.js';
import { DEFAULT_HTTP_ADDR } from '../src/client/address.js';
import { CommandExit } from '../src/cli/exit.js';
import { isAppError } from '../src/shared/errors.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** What a failure looks like to the user: one line on stderr, an exit status, a JSON body. */
export interface Failure {
  exitCode: number;
  line: string | undefined;
  json: unknown;
}

/** oclif's usage errors span lines ("Missing 1 required arg:\nkey  ...\nSee more help with --help"); Consul's are one. */
function oneLineUsage(message: string, helpCommand: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '' && !/^See more help with/.test(l));
  return `${lines.join(' ')} (see "${helpCommand} --help")`;
}

export function describeFailure(err: unknown, helpCommand: string): Failure {
  if (err instanceof CommandExit) {
    return {
      exitCode: err.exitCode,
      line: err.line,
      json: err.data !== undefined ? err.data : { error: { code: err.code, message: err.line ?? err.message } },
    };
  }
  const usage = !isAppError(err) && err instanceof Errors.CLIError;
  const message = usage ? oneLineUsage(err.message, helpCommand) : err instanceof Error ? err.message : String(err);
  // Consul exits 1 for every error, flag parse errors included (oclif would use 2).
  const code = isAppError(err) ? err.code : usage ? 'USAGE' : 'INTERNAL';
  return { exitCode: 1, line: `Error: ${message}`, json: { error: { code, message } } };
}

/**
 * Every roster command that talks to an agent: parses its flags and args once, builds the API
 * client from --http-addr, and turns failures into Consul's CLI contract (one line on stderr,
 * exit 1, or the command's own status) with none of oclif's decoration or stack traces.
 * `run()` returns the command's data; with --json oclif prints exactly that.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    'http-addr': Flags.string({
      summary: 'Address of the roster agent HTTP API: host:port, http://host:port or https://host:port.',
      description:
        'Read from ROSTER_HTTP_ADDR, then CONSUL_HTTP_ADDR (so existing Consul environments work), then 127.0.0.1:8500.',
      env: 'ROSTER_HTTP_ADDR',
      helpGroup: 'GLOBAL',
      helpValue: '<address>',
      // CONSUL_HTTP_ADDR is the second-choice env var; oclif only has one `env` per flag.
      default: async () => process.env.CONSUL_HTTP_ADDR || DEFAULT_HTTP_ADDR,
      // Help and man pages show the built-in default, not whatever the generating shell had set.
      defaultHelp: async () => DEFAULT_HTTP_ADDR,
    }),
  };

  /** Exit statuses for the man page's EXIT STATUS section; commands with more add theirs. */
  static exitStatus: Record<string, string> = {
    0: 'Success.',
    1: 'An error: bad flags or arguments, no agent reachable at the HTTP address, or the agent refused the request. One line describing it is printed on standard error.',
  };

  /** Environment variables read besides each flag's own `env`, for the man page's ENVIRONMENT section. */
  static environment: Record<string, string> = {
    CONSUL_HTTP_ADDR: 'Used as --http-addr when neither the flag nor ROSTER_HTTP_ADDR is set, so an environment set up for Consul works unchanged.',
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  protected api!: ApiClient;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.api = createApiClient({ address: this.flags['http-addr'] });
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    return exitWithFailure(this, err, (json) => this.logJson(json));
  }
}

/**
 * Every command's failure path (also for commands that need no agent and so do not extend
 * BaseCommand): one line on stderr (the JSON form too with --json) and Consul's exit code.
 */
export function exitWithFailure(command: Command, err: Error, logJson: (json: unknown) => void): never {
  // this.exit() inside a command arrives here too; let it through untouched.
  if (err instanceof Errors.ExitError) throw err;
  const { config, id } = command;
  const failure = describeFailure(err, `${config.bin} ${id?.split(':').join(config.topicSeparator) ?? ''}`.trim());
  if (command.jsonEnabled()) logJson(failure.json);
  if (failure.line) process.stderr.write(`${failure.line}\n`);
  // An ExitError is the one error oclif's handler exits on without printing anything.
  return command.exit(failure.exitCode);
}
