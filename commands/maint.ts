import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { AppError } from '../src/shared/errors.js';

/** What `maint` did or found, for --json. */
export interface MaintResult {
  /** Without -enable/-disable: what is in maintenance now. */
  Node?: { Name: string; Reason: string } | null;
  Services?: { ID: string; Reason: string }[];
  /** With -enable/-disable: the change made. */
  Enabled?: boolean;
  ServiceID?: string;
}

const SERVICE_PREFIX = '_service_maintenance:';

export default class Maint extends BaseCommand<typeof Maint> {
  static override summary = 'Put the local node, or one of its services, into maintenance mode or take it out.';
  static override description = `During maintenance a node (or one service) is left out of DNS answers and of healthy-instance queries: the agent registers a critical check, _node_maintenance (or _service_maintenance:<id>), whose notes hold the reason. Maintenance survives an agent restart; disable it to put the node or service back. Enabling twice keeps the first reason.

Without -enable or -disable, lists what is in maintenance on the local agent (nothing when nothing is).`;

  static override examples = [
    { description: 'Take the whole node out of service', command: '<%= config.bin %> <%= command.id %> -enable -reason "kernel upgrade"' },
    { description: 'Take one service out', command: '<%= config.bin %> <%= command.id %> -enable -service web-1 -reason "deploying"' },
    { description: 'Put the service back', command: '<%= config.bin %> <%= command.id %> -disable -service web-1' },
    { description: 'Show what is in maintenance', command: '<%= config.bin %> <%= command.id %>' },
  ];

  static override flags = {
    enable: Flags.boolean({ summary: 'Enable maintenance mode.' }),
    disable: Flags.boolean({ summary: 'Disable maintenance mode.' }),
    reason: Flags.string({ summary: 'Why: stored as the maintenance check\'s notes (only with -enable).', helpValue: '<text>' }),
    service: Flags.string({ summary: 'ID of a service on the local agent to act on, instead of the whole node.', helpValue: '<id>' }),
  };

  public async run(): Promise<MaintResult> {
    const { reason, service } = this.flags;
    // oclif leaves an absent boolean flag undefined.
    const enable = this.flags.enable === true;
    const disable = this.flags.disable === true;
    if (enable && disable) throw new AppError('BAD_REQUEST', 'Only one of -enable or -disable may be provided');
    if (!enable && reason) throw new AppError('BAD_REQUEST', 'Reason may only be provided with -enable');
    if (!enable && !disable && service) throw new AppError('BAD_REQUEST', 'Service requires either -enable or -disable');

    if (!enable && !disable) return this.list();
    if (service) {
      await this.api.serviceMaintenance(service, enable, reason);
      this.log(`Service maintenance is now ${enable ? 'enabled' : 'disabled'} for "${service}"`);
      return { Enabled: enable, ServiceID: service };
    }
    await this.api.nodeMaintenance(enable, reason);
    this.log(`Node maintenance is now ${enable ? 'enabled' : 'disabled'}`);
    return { Enabled: enable };
  }

  private async list(): Promise<MaintResult> {
    const [self, checks] = await Promise.all([this.api.self(), this.api.checks()]);
    const all = Object.values(checks).sort((a, b) => (a.CheckID < b.CheckID ? -1 : a.CheckID > b.CheckID ? 1 : 0));
    const node = all.find((c) => c.CheckID === '_node_maintenance');
    const services = all.filter((c) => c.CheckID.startsWith(SERVICE_PREFIX)).map((c) => ({ ID: c.ServiceID, Reason: c.Notes }));
    if (node) this.log(`Node:\n  Name:   ${self.Config.NodeName}\n  Reason: ${node.Notes}\n`);
    for (const s of services) this.log(`Service:\n  ID:     ${s.ID}\n  Reason: ${s.Reason}\n`);
    return { Node: node ? { Name: self.Config.NodeName, Reason: node.Notes } : null, Services: services };
  }
}
