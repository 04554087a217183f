import { isIP } from 'node:net';

/**
 * Single-value rules from Consul's config builder. Each returns the problem in words, or
 * undefined when the value is fine; the schema turns that into an issue at the right key.
 */

export function checkAddress(value: string): string | undefined {
  // Consul resolves go-sockaddr templates here; roster takes literal addresses only.
  if (value.includes('{{')) return 'go-sockaddr templates are not supported; give an IP address';
  if (/\s/.test(value.trim())) return 'expected one IP address (lists are not supported)';
  return isIP(value) ? undefined : 'expected an IP address';
}

export function checkJoinAddress(value: string): string | undefined {
  if (value.trim() === '') return 'expected an address';
  if (value.includes('provider=')) return 'cloud auto-join (provider=...) is not supported; list the addresses to join';
  if (value.includes('{{')) return 'go-sockaddr templates are not supported; give an address';
  return undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkNodeId(value: string): string | undefined {
  return UUID.test(value) ? undefined : 'expected a UUID like "adf4238a-882b-9ddc-4a9d-5b6758e4159e"';
}

export function checkEncryptKey(value: string): string | undefined {
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64').length : 0;
  // memberlist takes AES-128/192/256 keys; Consul's docs ask for 32 bytes.
  return [16, 24, 32].includes(bytes) ? undefined : 'expected a base64-encoded key of 16, 24 or 32 bytes (make one with "roster keygen")';
}

/** Consul's node_meta limits (structs.ValidateNodeMetadata). Key problems are reported on the map itself. */
export function checkNodeMeta(meta: Record<string, string>): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const keys = Object.keys(meta);
  if (keys.length > 64) issues.push({ path: [], message: `at most 64 key/value pairs, got ${keys.length}` });
  for (const key of keys) {
    if (!/^[A-Za-z0-9_-]+$/.test(key)) issues.push({ path: [], message: `key "${key}" may only contain letters, digits, "-" and "_"` });
    else if (key.length > 128) issues.push({ path: [], message: `key "${key.slice(0, 20)}..." is longer than 128 characters` });
    else if (key.startsWith('consul-')) issues.push({ path: [], message: `key "${key}": the "consul-" prefix is reserved` });
    if ((meta[key] ?? '').length > 512) issues.push({ path: [key], message: 'values are at most 512 characters' });
  }
  return issues;
}

/** A recursor as `ip:port`; Consul adds port 53 when none is given. Undefined when invalid. */
export function normalizeRecursor(value: string): string | undefined {
  const text = value.trim();
  const family = isIP(text);
  if (family === 4) return `${text}:53`;
  if (family === 6) return `[${text}]:53`;
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (!match) return undefined;
  const [, host = '', portText = ''] = match;
  const port = Number(portText);
  if (!isIP(host) || port < 1 || port > 65535) return undefined;
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Node names: Consul refuses whitespace and quotes, and warns (but starts) when the name is
 * not a DNS label, because `<node>.node.consul` will not find it. Returns the error, the
 * warning, or neither.
 */
export function checkNodeName(name: string): { error?: string; warning?: string } {
  if (name === '') return { error: 'the node name cannot be empty' };
  if (/[\s"'`]/.test(name)) return { error: 'the node name may not contain whitespace or quotes' };
  if (/[^A-Za-z0-9-]/.test(name)) {
    return { warning: `node name "${name}" will not be discoverable via DNS due to invalid characters; valid characters are letters, digits and "-"` };
  }
  if (name.length > 63) return { warning: `node name "${name}" will not be discoverable via DNS: it is longer than 63 characters` };
  return {};
}
