import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { CommandExit } from '../../src/cli/exit.js';
import { readKvData } from '../../src/cli/kv-value.js';
import { AppError } from '../../src/shared/errors.js';

export default class KvPut extends BaseCommand<typeof KvPut> {
  static override summary = 'Write a value to the key/value store.';
  static override description = `Stores DATA at KEY, creating or replacing it. DATA is taken literally, except "@path", which reads the file at path, and "-", which reads standard input; without DATA the value is empty.

-cas writes only if the key's ModifyIndex still equals -modify-index (0: only if the key does not exist yet); when it does not, nothing is written and the command exits 1. That is how to update a value without losing a concurrent writer's change: read it with "kv get -detailed", then write with -cas -modify-index=<ModifyIndex>.

-acquire -session=ID writes only if the session (see /v1/session/create) takes or already holds the key's lock; taking it bumps the key's LockIndex. -release -session=ID writes and gives the lock up, only if that session holds it. When the lock could not be taken or given up, nothing is written and the command exits 1. A plain write ignores locks.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> config/web/port 8080',
    '<%= config.bin %> <%= command.id %> config/web/tls @cert.pem',
    'echo hello | <%= config.bin %> <%= command.id %> greeting -',
    '<%= config.bin %> <%= command.id %> -cas -modify-index=42 config/web/port 8081',
    '<%= config.bin %> <%= command.id %> -flags=42 -base64 blob aGVsbG8=',
    '<%= config.bin %> <%= command.id %> -acquire -session=4ca8e74b-6350-7587-addf-a18084928f3c service/web/leader node-1',
    '<%= config.bin %> <%= command.id %> -release -session=4ca8e74b-6350-7587-addf-a18084928f3c service/web/leader',
  ];

  static override args = {
    key: Args.string({ description: 'Key to write.', required: true, ignoreStdin: true }),
    data: Args.string({ description: 'The value: text, @file, or - for standard input.', ignoreStdin: true }),
  };

  static override flags = {
    flags: Flags.integer({ summary: 'An opaque unsigned integer stored with the value, for applications.', min: 0, helpValue: '<uint>' }),
    cas: Flags.boolean({ summary: 'Check-and-set: write only if the key is still at -modify-index.' }),
    'modify-index': Flags.integer({ summary: 'With -cas, the ModifyIndex the key must have (0: must not exist).', min: 0, helpValue: '<index>' }),
    base64: Flags.boolean({ summary: 'DATA is base64-encoded; store the decoded bytes.' }),
    acquire: Flags.boolean({ summary: 'Take the key\'s lock for -session, then write.', exclusive: ['release', 'cas'] }),
    release: Flags.boolean({ summary: 'Give up the key\'s lock held by -session, writing DATA.', exclusive: ['acquire', 'cas'] }),
    session: Flags.string({ summary: 'With -acquire or -release, the session ID.', helpValue: '<id>' }),
  };

  public async run(): Promise<{ Key: string; Written: true }> {
    const { key, data } = this.args;
    const { flags, cas, base64 } = this.flags;
    const modifyIndex = this.flags['modify-index'];
    const { acquire, release, session } = this.flags;
    if (modifyIndex !== undefined && !cas) throw new AppError('BAD_REQUEST', 'Cannot specify -modify-index without -cas!');
    if ((acquire || release) && !session) throw new AppError('BAD_REQUEST', 'Missing -session (required with -acquire and -release)');
    if (session && !acquire && !release) throw new AppError('BAD_REQUEST', 'Cannot specify -session without -acquire or -release');
    const value = await readKvData(data, { base64, stdin: process.stdin });
    const written = await this.api.kvPut(key, value, {
      ...(flags ? { flags } : {}),
      ...(cas ? { cas: modifyIndex ?? 0 } : {}),
      ...(acquire ? { acquire: session! } : {}),
      ...(release ? { release: session! } : {}),
    });
    if (!written) {
      const why = acquire ? 'lock acquisition failed' : release ? 'lock release failed' : 'CAS failed';
      throw new CommandExit(1, `Error! Did not write to ${key}: ${why}`, undefined, acquire || release ? 'LOCK_FAILED' : 'CAS_FAILED');
    }
    if (acquire) this.log(`Success! Lock acquired on: ${key}`);
    else if (release) this.log(`Success! Lock released on: ${key}`);
    else this.log(`Success! Data written to: ${key}`);
    return { Key: key, Written: true };
  }
}
