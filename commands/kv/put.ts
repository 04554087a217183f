import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { CommandExit } from '../../src/cli/exit.js';
import { readKvData } from '../../src/cli/kv-value.js';
import { AppError } from '../../src/shared/errors.js';

export default class KvPut extends BaseCommand<typeof KvPut> {
  static override summary = 'Write a value to the key/value store.';
  static override description = `Stores DATA at KEY, creating or replacing it. DATA is taken literally, except "@path", which reads the file at path, and "-", which reads standard input; without DATA the value is empty.

-cas writes only if the key's ModifyIndex still equals -modify-index (0: only if the key does not exist yet); when it does not, nothing is written and the command exits 1. That is how to update a value without losing a concurrent writer's change: read it with "kv get -detailed", then write with -cas -modify-index=<ModifyIndex>.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> config/web/port 8080',
    '<%= config.bin %> <%= command.id %> config/web/tls @cert.pem',
    'echo hello | <%= config.bin %> <%= command.id %> greeting -',
    '<%= config.bin %> <%= command.id %> -cas -modify-index=42 config/web/port 8081',
    '<%= config.bin %> <%= command.id %> -flags=42 -base64 blob aGVsbG8=',
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
  };

  public async run(): Promise<{ Key: string; Written: true }> {
    const { key, data } = this.args;
    const { flags, cas, base64 } = this.flags;
    const modifyIndex = this.flags['modify-index'];
    if (modifyIndex !== undefined && !cas) throw new AppError('BAD_REQUEST', 'Cannot specify -modify-index without -cas!');
    const value = await readKvData(data, { base64, stdin: process.stdin });
    const written = await this.api.kvPut(key, value, {
      ...(flags ? { flags } : {}),
      ...(cas ? { cas: modifyIndex ?? 0 } : {}),
    });
    if (!written) throw new CommandExit(1, `Error! Did not write to ${key}: CAS failed`, undefined, 'CAS_FAILED');
    this.log(`Success! Data written to: ${key}`);
    return { Key: key, Written: true };
  }
}
