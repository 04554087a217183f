import { BaseCommand } from '../base.js';
import { ttlArgs, ttlDescription, ttlFlags, ttlMessage, updateTtl } from '../../src/cli/ttl-check.js';
import type { TtlUpdate } from '../../src/cli/ttl-check.js';

export default class CheckWarn extends BaseCommand<typeof CheckWarn> {
  static override summary = 'Mark a TTL check as warning.';
  static override description = ttlDescription('warn');
  static override examples = [
    '<%= config.bin %> <%= command.id %> web-ttl',
    '<%= config.bin %> <%= command.id %> service:web --note "queue is backing up"',
  ];
  static override args = ttlArgs;
  static override flags = ttlFlags;

  public async run(): Promise<TtlUpdate> {
    const update = await updateTtl(this.api, this.args['check-id'], 'warn', this.flags.note);
    this.log(ttlMessage(update));
    return update;
  }
}
