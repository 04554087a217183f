import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { CommandExit } from '../../src/cli/exit.js';
import { AppError } from '../../src/shared/errors.js';

export default class KvDelete extends BaseCommand<typeof KvDelete> {
  static override summary = 'Delete a key, or every key under a prefix, from the key/value store.';
  static override description = `Deletes KEY. Deleting a key that does not exist succeeds.

-recurse deletes every key that starts with KEY. The match is a plain string prefix, so "web" also deletes "website": end directory-like prefixes with "/". -cas deletes only if the key's ModifyIndex still equals -modify-index, and exits 1 without deleting when it does not; it cannot be combined with -recurse.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> config/web/port',
    '<%= config.bin %> <%= command.id %> -recurse config/web/',
    '<%= config.bin %> <%= command.id %> -cas -modify-index=42 config/web/port',
  ];

  static override args = {
    key: Args.string({ description: 'Key to delete, or prefix with -recurse.', ignoreStdin: true }),
  };

  static override flags = {
    recurse: Flags.boolean({ summary: 'Delete every key under the prefix KEY.' }),
    cas: Flags.boolean({ summary: 'Check-and-set: delete only if the key is still at -modify-index.' }),
    'modify-index': Flags.integer({ summary: 'With -cas, the ModifyIndex the key must have.', min: 0, helpValue: '<index>' }),
  };

  public async run(): Promise<{ Key: string; Recurse: boolean; Deleted: true }> {
    const key = this.args.key ?? '';
    const { recurse, cas } = this.flags;
    const modifyIndex = this.flags['modify-index'];
    if (cas && recurse) throw new AppError('BAD_REQUEST', 'Cannot specify both -cas and -recurse!');
    if (modifyIndex !== undefined && !cas) throw new AppError('BAD_REQUEST', 'Cannot specify -modify-index without -cas!');
    if (cas && !modifyIndex) throw new AppError('BAD_REQUEST', 'Must specify -modify-index with -cas!');
    // An empty key with -recurse would delete the whole store: allowed, but only when asked that way.
    if (key === '' && !recurse) throw new AppError('BAD_REQUEST', 'Missing KEY argument');

    const deleted = await this.api.kvDelete(key, { recurse: Boolean(recurse), ...(cas ? { cas: modifyIndex } : {}) });
    if (!deleted) throw new CommandExit(1, `Error! Did not delete key ${key}: CAS failed`, undefined, 'CAS_FAILED');
    this.log(recurse ? `Success! Deleted keys with prefix: ${key}` : `Success! Deleted key: ${key}`);
    return { Key: key, Recurse: Boolean(recurse), Deleted: true };
  }
}
