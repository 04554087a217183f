import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { readServiceFiles } from '../../src/cli/service-file.js';
import type { ServiceFromFile } from '../../src/cli/service-file.js';
import type { ServiceRegistration } from '../../src/client/types.js';
import { AppError } from '../../src/shared/errors.js';

/** `k=v` pairs from repeated --meta flags; the value may itself contain `=`. */
function parseMeta(pairs: readonly string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new AppError('BAD_REQUEST', `--meta takes key=value, got "${pair}"`);
    meta[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return meta;
}

export default class ServicesRegister extends BaseCommand<typeof ServicesRegister> {
  static override summary = 'Register a service with the local agent.';
  static override description = `Registers one service from flags, or every service in the given definition files. A file holds a Consul service definition in JSON or YAML: {"Service": {...}}, {"Services": [...]} or a bare service object, in CamelCase or snake_case, with its checks. Files are validated before anything is sent. Registering an existing ID replaces that service.

The agent keeps the registration in its data directory and syncs it to the catalog; it lasts until "services deregister" or the agent leaves.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --name web --port 8080 --tag v1 --tag primary',
    '<%= config.bin %> <%= command.id %> -name=web -id=web-1 -address=10.0.0.5 -port=8080 -meta version=1.2',
    '<%= config.bin %> <%= command.id %> web.json',
    '<%= config.bin %> <%= command.id %> services.yaml --json',
  ];

  static override args = {
    files: Args.string({
      description: 'Service definition files (JSON or YAML). Used instead of the flags.',
      multiple: true,
      ignoreStdin: true,
    }),
  };

  static override flags = {
    name: Flags.string({ summary: 'Service name (also its DNS name: <name>.service.consul).', helpValue: '<name>' }),
    id: Flags.string({ summary: 'Service ID, unique on this agent. Defaults to the name.', helpValue: '<id>' }),
    address: Flags.string({ summary: "Service address. Empty means the node's address.", helpValue: '<address>' }),
    port: Flags.integer({ summary: 'Service port.', min: 0, max: 65535, helpValue: '<port>' }),
    tag: Flags.string({ summary: 'A tag; repeat for several.', multiple: true, multipleNonGreedy: true, helpValue: '<tag>' }),
    meta: Flags.string({ summary: 'A key=value metadata pair; repeat for several.', multiple: true, multipleNonGreedy: true, helpValue: '<key=value>' }),
  };

  private fromFlags(): ServiceFromFile {
    const { name, id, address, port, tag, meta } = this.flags;
    if (!name) throw new AppError('BAD_REQUEST', 'give --name, or one or more service definition files');
    const registration: ServiceRegistration = { Name: name };
    if (id) registration.ID = id;
    if (address) registration.Address = address;
    if (port !== undefined) registration.Port = port;
    if (tag?.length) registration.Tags = tag;
    if (meta?.length) registration.Meta = parseMeta(meta);
    return { registration, id: id || name, name };
  }

  public async run(): Promise<{ ID: string; Name: string }[]> {
    const files = this.args.files ?? [];
    const { name, id, address, port, tag, meta } = this.flags;
    const flagsUsed = [name, id, address, port, tag, meta].some((v) => v !== undefined);
    if (files.length > 0 && flagsUsed) {
      throw new AppError('BAD_REQUEST', 'give either service definition files or --name and its flags, not both');
    }
    const services = files.length > 0 ? await readServiceFiles(files) : [this.fromFlags()];
    const done: { ID: string; Name: string }[] = [];
    for (const service of services) {
      await this.api.registerService(service.registration);
      this.log(`Registered service: ${service.name}`);
      done.push({ ID: service.id, Name: service.name });
    }
    return done;
  }
}
