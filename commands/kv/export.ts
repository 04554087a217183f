import { Args } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { exportEntries, type ExportedEntry } from '../../src/cli/kv-export.js';

export default class KvExport extends BaseCommand<typeof KvExport> {
  static override summary = 'Export every key under a prefix as JSON.';
  static override description = `Prints the keys under PREFIX (every key when it is omitted) as a JSON array of {"key", "flags", "value"} objects, the value base64-encoded, in key order: Consul's export format, which "kv import" (roster's or Consul's) reads back. Lock sessions and indexes are not exported.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> config/ > config.json',
    '<%= config.bin %> <%= command.id %>',
  ];

  static override args = {
    prefix: Args.string({ description: 'Key prefix to export (plain string prefix); default: everything.', ignoreStdin: true }),
  };

  public async run(): Promise<ExportedEntry[]> {
    const exported = exportEntries(await this.api.kvList(this.args.prefix ?? ''));
    // Consul indents its export with tabs.
    if (!this.jsonEnabled()) this.log(JSON.stringify(exported, null, '\t'));
    return exported;
  }
}
