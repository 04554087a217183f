import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { formatPairs, formatTable } from '../../src/cli/table.js';
import type { CatalogNode } from '../../src/client/types.js';

export default class CatalogNodes extends BaseCommand<typeof CatalogNodes> {
  static override summary = 'List the nodes in the catalog.';
  static override description = `Prints every node registered in the datacenter's catalog with its ID (shortened to 8 characters), address and datacenter, sorted by name. -service lists only the nodes that run an instance of that service, healthy or not. -detailed prints the full ID, tagged addresses and node metadata.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -service=web',
    '<%= config.bin %> <%= command.id %> -detailed --json',
  ];

  static override flags = {
    service: Flags.string({ summary: 'Only list nodes running an instance of this service.', helpValue: '<service>' }),
    detailed: Flags.boolean({ summary: 'Print the full node ID, tagged addresses and metadata.' }),
  };

  /** The nodes of one service's instances, deduplicated: a node may run several instances. */
  private async serviceNodes(service: string): Promise<CatalogNode[]> {
    const byNode = new Map<string, CatalogNode>();
    for (const i of await this.api.catalogService(service)) {
      byNode.set(i.Node, { ID: i.ID, Node: i.Node, Address: i.Address, Datacenter: i.Datacenter, TaggedAddresses: i.TaggedAddresses, Meta: i.NodeMeta });
    }
    return [...byNode.values()];
  }

  public async run(): Promise<CatalogNode[]> {
    const nodes = (this.flags.service ? await this.serviceNodes(this.flags.service) : await this.api.catalogNodes()).sort((a, b) =>
      a.Node < b.Node ? -1 : a.Node > b.Node ? 1 : 0,
    );
    if (nodes.length === 0) {
      this.logToStderr('No nodes match the given query - try expanding your search.');
      return nodes;
    }
    this.log(
      this.flags.detailed
        ? formatTable(
            ['Node', 'ID', 'Address', 'DC', 'TaggedAddresses', 'Meta'],
            nodes.map((n) => [n.Node, n.ID, n.Address, n.Datacenter, formatPairs(n.TaggedAddresses, ', '), formatPairs(n.Meta, ', ')]),
          )
        : formatTable(['Node', 'ID', 'Address', 'DC'], nodes.map((n) => [n.Node, n.ID.slice(0, 8), n.Address, n.Datacenter])),
    );
    return nodes;
  }
}
