import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { parseExport } from '../../src/cli/kv-export.js';
import { readKvData } from '../../src/cli/kv-value.js';

export default class KvImport extends BaseCommand<typeof KvImport> {
  static override summary = 'Import keys from the JSON "kv export" writes.';
  static override description = `Reads a JSON array of {"key", "flags", "value" (base64)} objects (the format "kv export" writes, roster's and Consul's) from DATA: "@path" reads the file, "-" (or no DATA) standard input, anything else is the JSON itself. Each key is written (a plain write: existing values are replaced, locks ignored), in order, printing "Imported: KEY". -prefix is prepended to every key. The whole input is checked before anything is written.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> @config.json',
    '<%= config.bin %> kv export config/ | <%= config.bin %> <%= command.id %> -prefix backup/ -',
  ];

  static override args = {
    data: Args.string({ description: 'The JSON: @file, - for standard input (the default), or the JSON text.', ignoreStdin: true }),
  };

  static override flags = {
    prefix: Flags.string({ summary: 'Prepend this to every imported key.', default: '', helpValue: '<prefix>' }),
  };

  public async run(): Promise<{ Imported: string[] }> {
    const raw = await readKvData(this.args.data ?? '-', { base64: false, stdin: process.stdin });
    const entries = parseExport(raw.toString('utf8'));
    const imported: string[] = [];
    for (const entry of entries) {
      const key = this.flags.prefix + entry.key;
      await this.api.kvPut(key, entry.bytes, entry.flags ? { flags: entry.flags } : {});
      imported.push(key);
      this.log(`Imported: ${key}`);
    }
    return { Imported: imported };
  }
}
