import type { AgentConfig } from './types.js';

const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * The startup banner, Consul's "==> Starting Consul agent..." block cut down to what an
 * operator checks first. `bound` carries the ports actually listened on (they differ from the
 * configured ones when those were 0); -1 means disabled.
 */
export function startupLines(config: AgentConfig, version: string, bound: { http: number; dns: number }): string[] {
  const listener = (name: string, port: number) => (port < 0 ? `${name}: off` : `${name}: ${hostPort(config.clientAddr, port)}`);
  const role = config.server ? `server${config.bootstrap ? ' (bootstrap)' : config.bootstrapExpect ? ` (expect ${config.bootstrapExpect})` : ''}` : 'client';
  return [
    '==> roster agent running',
    `           Version: ${version}`,
    `         Node name: '${config.nodeName}'`,
    `        Datacenter: '${config.datacenter}'`,
    `              Mode: ${role}${config.dev ? ', dev (in memory)' : ''}`,
    `       Client Addr: ${listener('HTTP', bound.http)}, ${listener('DNS', bound.dns)}`,
    `      Cluster Addr: ${config.advertiseAddr} (LAN: ${config.ports.serfLan}, WAN: ${config.ports.serfWan}, RPC: ${config.ports.server})`,
  ];
}
