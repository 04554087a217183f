import { AppError } from '../shared/errors.js';

export const DEFAULT_HTTP_ADDR = '127.0.0.1:8500';

/**
 * Turns an agent address as users write it (`127.0.0.1:8500`, `http://host:port`,
 * `https://host`) into a base URL without a trailing slash. Consul's CONSUL_HTTP_ADDR takes
 * the same forms, so existing environments keep working.
 */
export function agentBaseUrl(address: string): string {
  const trimmed = address.trim();
  if (trimmed === '') throw new AppError('BAD_REQUEST', 'the HTTP address is empty; use host:port or http://host:port');
  if (trimmed.startsWith('unix://')) {
    throw new AppError('BAD_REQUEST', `unix socket addresses are not supported: ${trimmed}`);
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new AppError('BAD_REQUEST', `invalid HTTP address "${address}"; use host:port or http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('BAD_REQUEST', `unsupported scheme in HTTP address "${address}"; use http:// or https://`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
