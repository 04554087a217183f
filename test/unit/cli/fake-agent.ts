// A stand-in for the agent's HTTP API on 127.0.0.1:<ephemeral>: answers with canned
// Consul-shaped responses and records every request, so tests can assert exactly what a
// command sent and exactly what it printed.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Query parameters in order, as sent (`recurse=` arrives as ['recurse', '']). */
  query: [string, string][];
  body: Buffer;
  contentType: string | undefined;
}

export interface Reply {
  status?: number;
  /** An object or array is sent as JSON; a string or Buffer as is (text/plain). */
  body?: unknown;
}

type Handler = (req: RecordedRequest) => Reply;

export interface FakeAgent {
  /** `127.0.0.1:<port>`, the form users give to --http-addr. */
  readonly addr: string;
  readonly requests: RecordedRequest[];
  /** Answer `METHOD /path` (exact path, query ignored) with a fixed reply or a function. */
  on(method: string, path: string, reply: Reply | Handler): void;
  reset(): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: Reply): void {
  const { status = 200, body } = reply;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  } else if (body === undefined) {
    res.writeHead(status);
    res.end();
  } else {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeAgent(): Promise<FakeAgent> {
  const routes = new Map<string, Reply | Handler>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: [...url.searchParams.entries()],
        body,
        contentType: req.headers['content-type'],
      };
      requests.push(recorded);
      const route = routes.get(`${recorded.method} ${recorded.path}`);
      if (!route) return send(res, { status: 404, body: `fake agent: no route for ${recorded.method} ${recorded.path}` });
      send(res, typeof route === 'function' ? route(recorded) : route);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    addr: `127.0.0.1:${port}`,
    requests,
    on: (method, path, reply) => void routes.set(`${method} ${path}`, reply),
    reset: () => {
      routes.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
