/** `ip:port` strings as the gossip layer names peers (`[v6]:port` for IPv6). */
import { isIP } from 'node:net';
import { AppError } from '../../shared/errors.js';

export interface HostPort {
  ip: string;
  port: number;
}

export function parseAddr(addr: string): HostPort {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr);
  const ip = m?.[1];
  const port = Number(m?.[2]);
  if (!ip || !isIP(ip) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AppError('BAD_REQUEST', `gossip address "${addr}" is not ip:port`);
  }
  return { ip, port };
}

export function formatAddr({ ip, port }: HostPort): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Turns a bind failure into an error that names the address and what to do about it. */
export function bindError(err: unknown, proto: 'udp' | 'tcp', at: HostPort): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') {
    return new AppError('UNAVAILABLE', `gossip ${proto} address ${formatAddr(at)} is already in use (another agent on this address? give each agent its own -bind address or port)`, { cause: err });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new AppError('UNAVAILABLE', `gossip ${proto} address ${formatAddr(at)} is not an address of this machine`, { cause: err });
  }
  return err;
}
