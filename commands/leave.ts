import { BaseCommand } from './base.js';

export default class Leave extends BaseCommand<typeof Leave> {
  static override summary = 'Make the local agent leave the cluster gracefully and shut down.';
  static override description = `The agent tells the cluster it is leaving, so peers mark it "left" rather than "failed" and do not try to reconnect, and its services leave the catalog. A server also leaves the Raft peer set, which shrinks the quorum: leave servers one at a time. The agent process exits afterwards.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -http-addr=127.0.0.2:8500'];

  public async run(): Promise<{ Left: true }> {
    await this.api.leave();
    this.log('Graceful leave complete');
    return { Left: true };
  }
}
