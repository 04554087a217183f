import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, errorMessage } from '../shared/errors.js';
import { readBody } from './body.js';
import type { HttpDeps, Reply, RequestContext } from './context.js';
import { errorReply } from './errors.js';
import { RequestMetrics } from './request-metrics.js';
import type { Router } from './router.js';
import { buildRouter } from './routes/index.js';

/**
 * The HTTP API server (Consul's /v1 paths and shapes on node:http). Every request is handled
 * inside one try/catch so no handler error, bad body or vanished client can take the agent
 * down; unexpected errors are logged and answered with a 500.
 */

/** The server is built from exactly what its routes need. */
export type HttpServerOptions = HttpDeps;

export interface HttpServerHandle {
  /** The bound port (the ephemeral one when config.port was 0). */
  port: number;
  /** Ends pending blocking queries, stops accepting, and resolves once the listener is closed. */
  close(): Promise<void>;
}

/** After close() is asked for, connections still busy this long are cut. */
const CLOSE_GRACE_MS = 2_000;

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  // The caller hands in a logger already scoped to this module.
  const logger = options.logger;
  const deps: HttpDeps = { ...options };
  const router = buildRouter(deps);
  const timings = new RequestMetrics(deps.metrics);
  const inFlight = new Set<AbortController>();
  let closing = false;

  /**
   * A request's abort signal, made on first use (most requests never look at it: an
   * AbortController per request, and a DOMException per abort, were a visible share of a write's
   * CPU). It is aborted when the client goes away before the response is done, or the server
   * closes; a response that finished normally has no one left waiting on it.
   */
  const signalFor = (res: ServerResponse): (() => AbortSignal) => {
    let controller: AbortController | undefined;
    return () => {
      if (controller) return controller.signal;
      const made = (controller = new AbortController());
      inFlight.add(made);
      res.once('close', () => {
        inFlight.delete(made);
        if (!res.writableFinished) made.abort();
      });
      if (closing || res.destroyed) made.abort();
      return made.signal;
    };
  };

  const server = createServer((req, res) => {
    handle(deps, router, timings, req, res, signalFor(res), () => closing).catch((err: unknown) => {
      // handle() catches everything itself; this is the last line of defence.
      logger.error({ err }, 'request handling failed');
      if (!res.destroyed) res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new AppError('UNAVAILABLE', `HTTP API cannot listen on ${options.config.bindAddress}:${options.config.port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(options.config.port, options.config.bindAddress, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err }, 'server error'));
  const port = (server.address() as AddressInfo).port;
  logger.info({ address: options.config.bindAddress, port }, 'listening');

  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const controller of inFlight) controller.abort();
        const grace = options.clock.setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          grace.cancel();
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

async function handle(
  deps: HttpDeps,
  router: Router,
  timings: RequestMetrics,
  req: IncomingMessage,
  res: ServerResponse,
  signal: () => AbortSignal,
  closing: () => boolean,
): Promise<void> {
  const started = deps.clock.monotonic();
  const method = req.method ?? 'GET';
  const rawUrl = req.url ?? '/';
  const cut = rawUrl.indexOf('?');
  const query = new URLSearchParams(cut === -1 ? '' : rawUrl.slice(cut + 1));
  const pretty = query.has('pretty');
  let reply: Reply;
  // Undecoded until decoding succeeds, so even a bad path can be logged.
  let path = cut === -1 ? rawUrl : rawUrl.slice(0, cut);
  // The route matched, for the api.http label; unmatched paths are not timed (nor in Consul).
  let pattern: string | undefined;
  try {
    try {
      // Routes see the decoded path, as Go's handlers see req.URL.Path (`%2F` in a key is `/`).
      path = decodeURIComponent(path);
    } catch {
      throw new AppError('BAD_REQUEST', 'Invalid URL path: bad percent-encoding');
    }
    const match = router.match(method, path);
    if (match.kind === 'not-found') {
      reply = textError(404, '404 page not found');
    } else if (match.kind === 'method-not-allowed') {
      pattern = match.pattern;
      reply = textError(405, `method ${method} not allowed`);
      reply.headers.Allow = match.allowed.join(', ');
    } else {
      pattern = match.pattern;
      const ctx: RequestContext = {
        method,
        path,
        query,
        params: match.params,
        headers: req.headers,
        get signal() {
          return signal();
        },
        body: (limit, message) => readBody(req, limit ?? deps.config.httpMaxBodyBytes, message),
      };
      reply = await match.handler(ctx);
    }
  } catch (err) {
    const mapped = errorReply(err);
    if (mapped.unexpected) deps.logger.error({ err, method, path }, `http: ${errorMessage(err)}`);
    reply = textError(mapped.status, mapped.message);
    // The rest of an oversized body is never read; close rather than leave it in the pipe.
    if (mapped.status === 413) reply.headers.Connection = 'close';
  }
  // While closing, no connection should go back to idle keep-alive and hold close() up.
  if (closing()) reply.headers.Connection = 'close';
  writeReply(res, reply, pretty);
  const ms = deps.clock.monotonic() - started;
  if (pattern !== undefined) timings.record(method, pattern, ms);
  deps.logger.debug({ method, path, status: reply.status, ms: Math.round(ms) }, 'request');
}

function textError(status: number, message: string): Reply {
  return { kind: 'raw', status, body: message, contentType: 'text/plain; charset=utf-8', headers: {} };
}

function writeReply(res: ServerResponse, reply: Reply, pretty: boolean): void {
  if (res.headersSent || res.destroyed) return;
  let body: Buffer;
  const headers: Record<string, string> = { ...reply.headers };
  switch (reply.kind) {
    case 'json': {
      // Consul indents ?pretty output with four spaces and ends it with a newline.
      const text = pretty ? `${JSON.stringify(reply.value ?? null, null, 4)}\n` : JSON.stringify(reply.value ?? null);
      body = Buffer.from(text, 'utf8');
      headers['Content-Type'] = 'application/json';
      break;
    }
    case 'raw':
      body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
      headers['Content-Type'] = reply.contentType;
      break;
    case 'empty':
      body = Buffer.alloc(0);
      break;
  }
  headers['Content-Length'] = String(body.length);
  res.writeHead(reply.status, headers);
  res.end(body);
}
