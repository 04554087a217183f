import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { formatTable } from '../../src/cli/table.js';

export default class CatalogServices extends BaseCommand<typeof CatalogServices> {
  static override summary = 'List the services in the catalog.';
  static override description = `Prints the name of every service registered anywhere in the datacenter, one per line, sorted. -tags adds the union of each service's tags; -node lists only the services on that node. Health is not considered: use the health API or DNS for instances that are passing.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -tags',
    '<%= config.bin %> <%= command.id %> -node=web-01 --json',
  ];

  static override flags = {
    tags: Flags.boolean({ summary: 'Show the tags of each service.' }),
    node: Flags.string({ summary: 'Only list the services registered on this node.', helpValue: '<node>' }),
  };

  /** Service name → tags, from one node's service instances (tags are unioned per name). */
  private async nodeServices(node: string): Promise<Record<string, string[]>> {
    const result = await this.api.catalogNodeServices(node);
    const byName = new Map<string, Set<string>>();
    for (const service of result?.Services ?? []) {
      const tags = byName.get(service.Service) ?? new Set<string>();
      for (const tag of service.Tags ?? []) tags.add(tag);
      byName.set(service.Service, tags);
    }
    return Object.fromEntries([...byName].map(([name, tags]) => [name, [...tags].sort()]));
  }

  public async run(): Promise<Record<string, string[]>> {
    const services = this.flags.node ? await this.nodeServices(this.flags.node) : await this.api.catalogServices();
    const names = Object.keys(services).sort();
    if (names.length === 0) {
      this.logToStderr('No services match the given query - try expanding your search.');
      return services;
    }
    this.log(
      this.flags.tags
        ? formatTable(null, names.map((n) => [n, (services[n] ?? []).join(',')]))
        : names.join('\n'),
    );
    return services;
  }
}
