import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { CommandExit } from '../../src/cli/exit.js';
import { detailedEntry, entryBytes } from '../../src/cli/kv-value.js';
import type { KvEntry } from '../../src/client/types.js';
import { AppError } from '../../src/shared/errors.js';

export default class KvGet extends BaseCommand<typeof KvGet> {
  static override summary = 'Read a value, or list keys, from the key/value store.';
  static override description = `Prints the raw value stored at KEY followed by a newline (nothing for an empty value). A key that does not exist prints "Error! No key exists at: KEY" and exits 1.

-recurse prints every key under the prefix KEY as key:value lines; -keys prints only the key names, rolled up at -separator ("" turns the roll-up off). -detailed prints the entry's indexes, flags and lock session too. Prefixes are plain string prefixes: "web" also matches "website", so end directory-like prefixes with "/".`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> config/web/port',
    '<%= config.bin %> <%= command.id %> -recurse config/',
    '<%= config.bin %> <%= command.id %> -keys config/',
    '<%= config.bin %> <%= command.id %> -detailed config/web/port',
    '<%= config.bin %> <%= command.id %> config/web/port --json',
  ];

  static override args = {
    key: Args.string({ description: 'Key to read, or prefix with -recurse / -keys.', ignoreStdin: true }),
  };

  static override flags = {
    recurse: Flags.boolean({ summary: 'Read every key under the prefix KEY.', exclusive: ['keys'] }),
    keys: Flags.boolean({ summary: 'List the key names under the prefix KEY instead of values.', exclusive: ['recurse'] }),
    separator: Flags.string({
      summary: 'With -keys, roll keys up at the first occurrence of this string after the prefix. "" lists every key.',
      default: '/',
      helpValue: '<string>',
    }),
    detailed: Flags.boolean({ summary: 'Print the CreateIndex, Flags, LockIndex, ModifyIndex and Session of each entry.' }),
    base64: Flags.boolean({ summary: 'Print values base64-encoded (for binary data).' }),
  };

  private value(entry: KvEntry): string {
    return this.flags.base64 ? (entry.Value ?? '') : entryBytes(entry).toString('utf8');
  }

  public async run(): Promise<KvEntry | KvEntry[] | string[]> {
    const key = this.args.key ?? '';
    const { recurse, keys, separator, detailed, base64 } = this.flags;

    if (keys) {
      const names = await this.api.kvKeys(key, separator);
      for (const name of names) this.log(name);
      return names;
    }
    if (recurse) {
      const entries = await this.api.kvList(key);
      const blocks = entries.map((e) => (detailed ? detailedEntry(e, base64) : `${e.Key}:${this.value(e)}`));
      if (blocks.length > 0) this.log(blocks.join(detailed ? '\n\n' : '\n'));
      return entries;
    }

    if (key === '') throw new AppError('BAD_REQUEST', 'Missing KEY argument');
    const entry = await this.api.kvGet(key);
    if (!entry) throw new CommandExit(1, `Error! No key exists at: ${key}`, undefined, 'NOT_FOUND');
    if (detailed) this.log(detailedEntry(entry, base64));
    else if (!this.jsonEnabled() && entry.Value) {
      // Raw bytes, not a decoded string: the value may be binary and `> file` must reproduce it.
      process.stdout.write(base64 ? `${entry.Value}\n` : Buffer.concat([entryBytes(entry), Buffer.from('\n')]));
    }
    return entry;
  }
}
