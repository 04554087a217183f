import { AppError } from '../shared/errors.js';
import type { HttpDeps, Reply, RequestContext } from './context.js';
import type { ForwardedReply, ForwardedRequest, InProcessDispatch } from './datacenter-port.js';
import { errorReply } from './errors.js';
import type { Router } from './router.js';
import { defaultTooLargeMessage } from './body.js';

/**
 * Runs a request that another agent forwarded (`?dc=` from another datacenter, or a client
 * agent's) through this agent's own router, in process: the same routes, validation, blocking
 * and error mapping as a request on the socket, with no loopback HTTP. Returns the reply
 * serialised exactly as the HTTP server would write it.
 */
export function createDispatcher(router: Router, deps: HttpDeps): InProcessDispatch {
  return async (request: ForwardedRequest, signal: AbortSignal): Promise<ForwardedReply> => {
    const query = new URLSearchParams(request.query);
    let reply: Reply;
    try {
      const match = router.match(request.method, request.path);
      if (match.kind === 'not-found') {
        reply = text(404, '404 page not found');
      } else if (match.kind === 'method-not-allowed') {
        reply = text(405, `method ${request.method} not allowed`);
        reply.headers.Allow = match.allowed.join(', ');
      } else {
        const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
        const ctx: RequestContext = {
          method: request.method,
          path: request.path,
          query,
          params: match.params,
          headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
          signal,
          body: async (limit, message) => {
            const max = limit ?? deps.config.httpMaxBodyBytes;
            if (body.length > max) throw new AppError('TOO_LARGE', (message ?? defaultTooLargeMessage)(max));
            return body;
          },
        };
        reply = await match.handler(ctx);
      }
    } catch (err) {
      const mapped = errorReply(err);
      if (mapped.unexpected) deps.logger.error({ err, method: request.method, path: request.path }, `http (forwarded): ${mapped.message}`);
      reply = text(mapped.status, mapped.message);
    }
    return serializeReply(reply, query.has('pretty'));
  };
}

function text(status: number, message: string): Reply {
  return { kind: 'raw', status, body: message, contentType: 'text/plain; charset=utf-8', headers: {} };
}

/** The bytes and headers server.ts's writeReply would send for `reply`. */
export function serializeReply(reply: Reply, pretty: boolean): ForwardedReply {
  switch (reply.kind) {
    case 'json': {
      const textBody = pretty ? `${JSON.stringify(reply.value ?? null, null, 4)}\n` : JSON.stringify(reply.value ?? null);
      return { status: reply.status, headers: { ...reply.headers }, contentType: 'application/json', body: Buffer.from(textBody, 'utf8') };
    }
    case 'raw':
      return {
        status: reply.status,
        headers: { ...reply.headers },
        contentType: reply.contentType,
        body: typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body,
      };
    case 'empty':
      return { status: reply.status, headers: { ...reply.headers }, contentType: undefined, body: new Uint8Array(0) };
  }
}

/** A forwarded reply as this agent's HTTP server writes it. */
export function replyFromForwarded(answer: ForwardedReply): Reply {
  if (answer.contentType === undefined) return { kind: 'empty', status: answer.status, headers: { ...answer.headers } };
  return { kind: 'raw', status: answer.status, body: Buffer.from(answer.body), contentType: answer.contentType, headers: { ...answer.headers } };
}
