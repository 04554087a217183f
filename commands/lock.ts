import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { CommandExit } from '../src/cli/exit.js';
import { normalizeArgv } from '../src/cli/argv.js';
import { runLocked } from '../src/cli/lock.js';
import { parseDuration } from '../src/shared/duration.js';
import { AppError } from '../src/shared/errors.js';

export default class Lock extends BaseCommand<typeof Lock> {
  static override summary = 'Run a command while holding a lock in the key/value store.';
  static override description = `Creates a session, takes the lock on the key PREFIX/.lock (waiting, with blocking queries, while another session holds it), runs CMD through /bin/sh -c while holding it, then releases the lock and destroys the session. The session is renewed every TTL/2; if the lock is lost meanwhile (the session expired or was invalidated, the key was deleted), CMD is sent SIGTERM and the exit status is 1. SIGINT and SIGTERM are passed on to CMD; the lock is released once it has exited. The exit status is CMD's.

CMD's environment carries the lock's identity and its fencing token:
  ROSTER_LOCK_KEY           the lock key (PREFIX/.lock)
  ROSTER_LOCK_SESSION       the session holding it
  ROSTER_LOCK_INDEX         the key's LockIndex after this acquisition (how many times it has been acquired)
  ROSTER_LOCK_MODIFY_INDEX  the key's ModifyIndex at acquisition: a Raft index, strictly greater for every later acquisition

A lock alone cannot stop a holder that was paused (GC, swap, a stopped VM) past its session's TTL from acting after another process took over. Pass ROSTER_LOCK_MODIFY_INDEX to whatever CMD writes to, and have that resource refuse any token lower than the highest it has seen (see "Locks and fencing" in the README).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> jobs/backup ./backup.sh',
    '<%= config.bin %> <%= command.id %> -ttl 30s jobs/report "make report"',
    '<%= config.bin %> <%= command.id %> -timeout 10s deploy/web \'./deploy --fencing-token "$ROSTER_LOCK_MODIFY_INDEX"\'',
  ];

  static override strict = false;

  static override args = {
    prefix: Args.string({ description: 'Key prefix of the lock (the key PREFIX/.lock holds it).', required: true, ignoreStdin: true }),
    command: Args.string({ description: 'Command to run while holding the lock (the rest of the line is joined, as a shell command).', required: true, ignoreStdin: true }),
  };

  static override flags = {
    ttl: Flags.string({ summary: 'Session TTL (10s to 24h): the lock is freed within 2 x TTL of this process dying.', default: '15s', helpValue: '<duration>' }),
    'lock-delay': Flags.string({ summary: 'After the session is invalidated (not released), nobody may take the lock for this long.', default: '15s', helpValue: '<duration>' }),
    timeout: Flags.string({ summary: 'Give up (exit 1) if the lock is not acquired within this long; 0 waits forever.', default: '0s', helpValue: '<duration>' }),
    name: Flags.string({ summary: 'Session name (shown in /v1/session/list).', helpValue: '<name>' }),
    verbose: Flags.boolean({ summary: 'Report the session, the acquisition (with its indexes) and the release on standard error.' }),
  };

  static override exitStatus = {
    ...BaseCommand.exitStatus,
    'CMD': "CMD's own exit status once it has run (128 + n when it was killed by signal n).",
  };

  public async run(): Promise<{ ExitCode: number }> {
    const { prefix } = this.args;
    // Everything after PREFIX is the command, joined as Consul joins its child arguments.
    const { argv } = await this.parse(Lock, normalizeArgv(this.argv));
    const command = (argv as string[]).slice(1).join(' ');
    if (command.trim() === '') throw new AppError('BAD_REQUEST', 'Missing CMD: the command to run while holding the lock');
    const timeoutMs = parseDuration(this.flags.timeout);
    const code = await runLocked({
      address: this.flags['http-addr'],
      prefix,
      command,
      ttl: this.flags.ttl,
      lockDelay: this.flags['lock-delay'],
      name: this.flags.name ?? `roster lock ${prefix}`,
      timeoutMs,
      verbose: (line) => {
        if (this.flags.verbose) process.stderr.write(`roster lock: ${line}\n`);
      },
    });
    if (code !== 0) throw new CommandExit(code, undefined, { ExitCode: code });
    return { ExitCode: code };
  }
}
