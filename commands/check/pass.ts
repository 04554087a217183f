import { BaseCommand } from '../base.js';
import { ttlArgs, ttlDescription, ttlFlags, ttlMessage, updateTtl } from '../../src/cli/ttl-check.js';
import type { TtlUpdate } from '../../src/cli/ttl-check.js';

export default class CheckPass extends BaseCommand<typeof CheckPass> {
  static override summary = 'Mark a TTL check as passing.';
  static override description = ttlDescription('pass');
  static override examples = [
    '<%= config.bin %> <%= command.id %> web-ttl',
    '<%= config.bin %> <%= command.id %> service:web --note "all good"',
  ];
  static override args = ttlArgs;
  static override flags = ttlFlags;

  public async run(): Promise<TtlUpdate> {
    const update = await updateTtl(this.api, this.args['check-id'], 'pass', this.flags.note);
    this.log(ttlMessage(update));
    return update;
  }
}
