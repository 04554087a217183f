import { BaseCommand } from './base.js';

export default class Reload extends BaseCommand<typeof Reload> {
  static override summary = 'Make the local agent read its configuration files again.';
  static override description = `The agent re-reads the files it started with (roster.config.*, each -config-file, each -config-dir) and applies their service and check definitions: new ones are registered, changed ones replaced, ones no longer there deregistered. Unchanged definitions keep running with their current status, and services or checks registered through the HTTP API are not touched. If a file is invalid, nothing changes and the error is printed. Other settings (ports, addresses, log level) need a restart. Sending the agent SIGHUP does the same.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -http-addr=127.0.0.2:8500'];

  public async run(): Promise<{ Reloaded: true }> {
    await this.api.reload();
    this.log('Configuration reload triggered');
    return { Reloaded: true };
  }
}
