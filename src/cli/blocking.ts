import { agentBaseUrl } from '../client/address.js';
import { AgentUnreachableError, ApiError } from '../client/transport.js';
import { AppError } from '../shared/errors.js';

/**
 * Blocking queries from the CLI (`roster watch`, `roster lock`): a GET with `?index=&wait=`
 * that returns the body and the X-Consul-Index it carried. The index is kept as the decimal
 * text the agent sent: /v1/event/list's is a 64-bit hash, beyond what a JS number holds.
 */
export interface BlockingAnswer {
  status: number;
  /** Parsed JSON; null for a 404 (nothing there yet). */
  body: unknown;
  index: string;
}

export async function blockingGet(
  address: string,
  path: string,
  query: Record<string, string | undefined>,
  options: { index?: string; wait?: string; signal?: AbortSignal } = {},
): Promise<BlockingAnswer> {
  const base = agentBaseUrl(address);
  const url = new URL(`${base}${path}`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.append(name, value);
  if (options.index && options.index !== '0') {
    url.searchParams.set('index', options.index);
    url.searchParams.set('wait', options.wait ?? '5m');
  }
  // The agent answers within wait + wait/16 (jitter); give it a little more before giving up.
  const timeout = AbortSignal.timeout(11 * 60_000);
  let res: Response;
  try {
    res = await fetch(url, { signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new AgentUnreachableError(base, err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.message) : String(err));
  }
  const text = await res.text();
  const index = res.headers.get('x-consul-index') ?? '0';
  if (res.status === 404) return { status: 404, body: null, index };
  if (!res.ok) throw new ApiError(res.status === 400 ? 'BAD_REQUEST' : 'INTERNAL', text.trim() || `GET ${path}: HTTP ${res.status}`, res.status);
  try {
    return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown), index };
  } catch {
    throw new AppError('INTERNAL', `the agent sent invalid JSON for GET ${path}`);
  }
}

/** Compares two X-Consul-Index values (decimal text, possibly beyond 2^53). */
export function indexLess(a: string, b: string): boolean {
  try {
    return BigInt(a) < BigInt(b);
  } catch {
    return false;
  }
}
