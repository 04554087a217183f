import { BaseCommand } from '../base.js';
import { formatTable } from '../../src/cli/table.js';
import type { AgentService } from '../../src/client/types.js';

export default class Services extends BaseCommand<typeof Services> {
  static override summary = "List the services registered on the local agent.";
  static override description = `Shows the services this agent owns (registered through its API, its config files or "services register"), not the whole catalog: use "catalog services" for that. A service with no address of its own is reached at its node's address.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  public async run(): Promise<AgentService[]> {
    const services = Object.values(await this.api.services()).sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
    if (services.length === 0) {
      this.log('No services registered on this agent.');
      return services;
    }
    const rows = services.map((s) => [s.ID, s.Service, (s.Tags ?? []).join(','), s.Address, String(s.Port)]);
    this.log(formatTable(['ID', 'Service', 'Tags', 'Address', 'Port'], rows));
    return services;
  }
}
