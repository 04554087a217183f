import { BaseCommand } from '../base.js';

export default class CatalogDatacenters extends BaseCommand<typeof CatalogDatacenters> {
  static override summary = 'List the known datacenters.';
  static override description = `Prints every datacenter the servers know through WAN gossip, one per line, nearest first: the agent's own datacenter, then the others by the median round trip time to their servers, estimated from network coordinates. A datacenter whose servers have no coordinate yet comes last. Client agents ask a server of their datacenter.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  public async run(): Promise<string[]> {
    const datacenters = await this.api.catalogDatacenters();
    if (datacenters.length > 0) this.log(datacenters.join('\n'));
    return datacenters;
  }
}
