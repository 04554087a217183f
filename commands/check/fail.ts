import { BaseCommand } from '../base.js';
import { ttlArgs, ttlDescription, ttlFlags, ttlMessage, updateTtl } from '../../src/cli/ttl-check.js';
import type { TtlUpdate } from '../../src/cli/ttl-check.js';

export default class CheckFail extends BaseCommand<typeof CheckFail> {
  static override summary = 'Mark a TTL check as critical.';
  static override description = ttlDescription('fail');
  static override examples = [
    '<%= config.bin %> <%= command.id %> web-ttl',
    '<%= config.bin %> <%= command.id %> service:web --note "database unreachable"',
  ];
  static override args = ttlArgs;
  static override flags = ttlFlags;

  public async run(): Promise<TtlUpdate> {
    const update = await updateTtl(this.api, this.args['check-id'], 'fail', this.flags.note);
    this.log(ttlMessage(update));
    return update;
  }
}
