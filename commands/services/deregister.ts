import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { readServiceFiles } from '../../src/cli/service-file.js';
import { AppError } from '../../src/shared/errors.js';

export default class ServicesDeregister extends BaseCommand<typeof ServicesDeregister> {
  static override summary = 'Deregister a service from the local agent.';
  static override description = `Removes a service, and the checks that belong to it, from this agent and then from the catalog. Name it with --id, or give the definition files it was registered from (their ID, or their name when they have no ID, is used). Only services registered on this agent can be removed here; deregistering an ID the agent does not have is not an error.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --id web-1',
    '<%= config.bin %> <%= command.id %> -id=web',
    '<%= config.bin %> <%= command.id %> web.json',
  ];

  static override args = {
    files: Args.string({ description: 'Service definition files whose services to remove.', multiple: true, ignoreStdin: true }),
  };

  static override flags = {
    id: Flags.string({ summary: 'ID of the service to remove.', helpValue: '<id>' }),
  };

  public async run(): Promise<{ ID: string }[]> {
    const files = this.args.files ?? [];
    if (files.length > 0 && this.flags.id) throw new AppError('BAD_REQUEST', 'give either --id or service definition files, not both');
    if (files.length === 0 && !this.flags.id) throw new AppError('BAD_REQUEST', 'give --id, or one or more service definition files');
    const ids = this.flags.id ? [this.flags.id] : (await readServiceFiles(files)).map((s) => s.id);
    const done: { ID: string }[] = [];
    for (const id of ids) {
      await this.api.deregisterService(id);
      this.log(`Deregistered service: ${id}`);
      done.push({ ID: id });
    }
    return done;
  }
}
