import { AppError } from '../shared/errors.js';
import type { ErrorCode } from '../shared/errors.js';

/** How long one API call may take, connect to last byte, unless the caller says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export type Method = 'GET' | 'PUT' | 'DELETE' | 'POST';

export interface ApiRequest {
  method: Method;
  /** Already percent-encoded, starting with `/v1/`. */
  path: string;
  /** `undefined` values are left out; `''` sends a bare flag such as `recurse=` (Consul checks presence). */
  query?: Record<string, string | undefined>;
  /** Raw bytes (KV values) or a value to send as JSON. */
  body?: { raw: Uint8Array } | { json: unknown };
  timeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  text: string;
  /** The body as received, for answers that are not text (snapshot archives). */
  bytes: Uint8Array;
}

/** A non-2xx answer from the agent. `status` is kept for callers that treat 404 as "absent". */
export class ApiError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 403) return 'BAD_REQUEST';
  if (status === 404) return 'NOT_FOUND';
  if (status === 405) return 'METHOD_NOT_ALLOWED';
  if (status === 413) return 'TOO_LARGE';
  if (status === 429 || status === 503) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/** `connect ECONNREFUSED`, `getaddrinfo ENOTFOUND`, `timed out after 30s`: short, no address repeated. */
function describeNetworkFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timed out after ${timeoutMs / 1000}s`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown; syscall?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') {
    return typeof cause.syscall === 'string' ? `${cause.syscall} ${cause.code}` : cause.code;
  }
  if (cause && typeof cause.message === 'string' && cause.message !== '') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** No answer at all: nothing listening, a wrong host, or a timeout. */
export class AgentUnreachableError extends AppError {
  constructor(
    readonly baseUrl: string,
    detail: string,
  ) {
    super(
      'UNAVAILABLE',
      `cannot reach a roster agent at ${baseUrl} (${detail}); start one with "roster agent -dev" or set --http-addr / ROSTER_HTTP_ADDR`,
    );
  }
}

/** One HTTP exchange with the agent. Resolves for 2xx, throws ApiError otherwise. */
export async function send(baseUrl: string, request: ApiRequest): Promise<ApiResponse> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = new URL(`${baseUrl}${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.append(name, value);
  }
  const init: RequestInit = { method: request.method, signal: AbortSignal.timeout(timeoutMs) };
  // A copy typed over a plain ArrayBuffer, which is what fetch's BodyInit accepts.
  if (request.body && 'raw' in request.body) init.body = new Uint8Array(request.body.raw);
  if (request.body && 'json' in request.body) {
    init.body = JSON.stringify(request.body.json);
    init.headers = { 'content-type': 'application/json' };
  }
  let status: number;
  let text: string;
  let bytes: Uint8Array;
  try {
    const response = await fetch(url, init);
    status = response.status;
    bytes = new Uint8Array(await response.arrayBuffer());
    // What response.text() would give (UTF-8, a leading BOM dropped), without reading twice.
    text = new TextDecoder().decode(bytes);
  } catch (err) {
    throw new AgentUnreachableError(baseUrl, describeNetworkFailure(err, timeoutMs));
  }
  if (status < 200 || status > 299) {
    // Consul's errors are plain-text bodies; they are the most useful thing to show.
    const body = text.trim().replace(/\s*\n\s*/g, '; ');
    throw new ApiError(codeForStatus(status), body || `${request.method} ${request.path}: HTTP ${status}`, status);
  }
  return { status, text, bytes };
}

/** Parses a JSON body, naming the endpoint when the agent sent something else. */
export function parseJson<T>(request: ApiRequest, response: ApiResponse): T {
  try {
    return JSON.parse(response.text) as T;
  } catch {
    throw new AppError('INTERNAL', `the agent sent invalid JSON for ${request.method} ${request.path}`);
  }
}
