// Generic server RPC over loopback (127.0.0.51).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { AppError, type ErrorCode } from '../../../src/shared/errors.js';
import {
  ERROR_CODE_TRAILER,
  RPC_CALL_PATH,
  ServerRpcClient,
  codeForStatus,
  decodeCall,
  encodeCall,
  statusForCode,
  type RpcContext,
} from '../../../src/rpc/server-rpc.js';
import { RpcDecodeError } from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { closedPort } from '../../helpers/ports.js';

const server = new RpcServer({ bindIp: '127.0.0.51', port: 18351, stopGraceMs: 500 });
const clients: ServerRpcClient[] = [];
const address = '127.0.0.51:18351';
let lastContext: RpcContext | null = null;
let slowAborted = false;

function client(options: ConstructorParameters<typeof ServerRpcClient>[0] = {}): ServerRpcClient {
  const c = new ServerRpcClient(options);
  clients.push(c);
  return c;
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

const CODES: ErrorCode[] = ['BAD_REQUEST', 'NOT_FOUND', 'TOO_LARGE', 'METHOD_NOT_ALLOWED', 'UNAVAILABLE', 'CONFIG', 'INTERNAL'];

describe('server rpc', () => {
  before(async () => {
    server.rpc.registerHandler('Echo.Reverse', async (body, context) => {
      lastContext = context;
      return Uint8Array.from(body).reverse();
    });
    server.rpc.registerHandler('Fail.With', async (body) => {
      const code = Buffer.from(body).toString() as ErrorCode;
      throw new AppError(code, `failing with ${code}: ünïcode ok`);
    });
    server.rpc.registerHandler('Fail.Bug', async () => {
      throw new TypeError('cannot read properties of undefined');
    });
    server.rpc.registerHandler('Slow', async (_body, context) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        context.signal.addEventListener('abort', () => {
          slowAborted = true;
          clearTimeout(timer);
          resolve();
        });
      });
      return new Uint8Array([1]);
    });
    server.rpc.registerJsonHandler('Catalog.Register', async (payload) => {
      const p = payload as { node: string; tags: string[]; blob: Uint8Array };
      return { ok: true, node: p.node.toUpperCase(), tags: p.tags.length, blobBytes: p.blob.length };
    });
    await server.start();
  });

  after(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  test('a handler result comes back to the caller', async () => {
    const c = client();
    const out = await c.call(address, 'Echo.Reverse', new Uint8Array([1, 2, 3]));
    assert.deepEqual([...out], [3, 2, 1]);
    assert.equal(lastContext?.method, 'Echo.Reverse');
    assert.match(lastContext?.peer ?? '', /^127\.0\.0\.51?:\d+$|^127\.0\.0\.1:\d+$|^127\./);
    // Default deadline: 10 s from the call.
    const left = (lastContext?.deadline ?? 0) - Date.now();
    assert.ok(left > 9000 && left <= 10_000, `deadline ${left} ms away`);
    const big = new Uint8Array(5 * 1024 * 1024).fill(7);
    big[0] = 1;
    const back = await c.call(address, 'Echo.Reverse', big);
    assert.equal(back.length, big.length);
    assert.equal(back[back.length - 1], 1);
  });

  test('callJson carries msgpack payloads both ways', async () => {
    const c = client();
    const out = await c.callJson<{ ok: boolean; node: string; tags: number; blobBytes: number }>(address, 'Catalog.Register', {
      node: 'web-1', tags: ['a', 'b', 'c'], blob: new Uint8Array(300),
    });
    assert.deepEqual(out, { ok: true, node: 'WEB-1', tags: 3, blobBytes: 300 });
  });

  test('a json handler refuses a body that is not msgpack with BAD_REQUEST', async () => {
    const err = await rejection(client().call(address, 'Catalog.Register', new Uint8Array([0xd9, 0x10])));
    assert.equal(err.code, 'BAD_REQUEST');
    assert.match(err.message, /not valid msgpack/);
  });

  test('an AppError thrown by a handler is rethrown with the same code and message', async () => {
    const c = client();
    for (const code of CODES) {
      const err = await rejection(c.call(address, 'Fail.With', Buffer.from(code)));
      assert.equal(err.code, code);
      assert.equal(err.message, `failing with ${code}: ünïcode ok`);
    }
  });

  test('any other handler failure is INTERNAL and names the method', async () => {
    const err = await rejection(client().call(address, 'Fail.Bug', new Uint8Array()));
    assert.equal(err.code, 'INTERNAL');
    assert.equal(err.message, 'rpc Fail.Bug: cannot read properties of undefined');
  });

  test('an unknown method is a clear NOT_FOUND', async () => {
    const err = await rejection(client().call(address, 'Nope.Missing', new Uint8Array()));
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.message, 'unknown rpc method "Nope.Missing"');
  });

  test('a deadline that passes fails the call promptly and aborts the handler', async () => {
    slowAborted = false;
    const c = client({ timeoutMs: 5000 });
    const t0 = Date.now();
    const err = await rejection(c.call(address, 'Slow', new Uint8Array(), { timeoutMs: 100 }));
    const took = Date.now() - t0;
    assert.equal(err.code, 'UNAVAILABLE');
    assert.equal(err.message, `rpc error: deadline exceeded after 100 ms calling Slow on ${address}`);
    assert.ok(took < 1000, `took ${took} ms`);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(slowAborted, 'the handler saw the caller give up');
    // The per-client default applies without an override.
    const short = client({ timeoutMs: 80 });
    assert.match((await rejection(short.call(address, 'Slow', new Uint8Array()))).message, /deadline exceeded after 80 ms/);
  });

  test('a cancelled call fails with UNAVAILABLE', async () => {
    const ac = new AbortController();
    const pending = client().call(address, 'Slow', new Uint8Array(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(pending);
    assert.equal(err.code, 'UNAVAILABLE');
    assert.match(err.message, /cancelled/);
  });

  test('an unreachable address fails fast with a clear message', async () => {
    const port = await closedPort();
    const t0 = Date.now();
    const err = await rejection(client().call(`127.0.0.1:${port}`, 'Echo.Reverse', new Uint8Array([1])));
    assert.equal(err.code, 'UNAVAILABLE');
    assert.equal(err.message, `rpc error: connection refused to 127.0.0.1:${port}`);
    assert.ok(Date.now() - t0 < 2000);
  });

  test('an address grpc cannot parse is a BAD_REQUEST, not a crash', async () => {
    const err = await rejection(client().call('', 'Echo.Reverse', new Uint8Array()));
    assert.equal(err.code, 'BAD_REQUEST');
    assert.equal(err.message, 'rpc error: invalid address ""');
  });

  test('64 concurrent calls share one channel; idle channels are closed and reopened on demand', async () => {
    const c = client({ idleTimeoutMs: 100 });
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => c.call(address, 'Echo.Reverse', new Uint8Array([i, 0]))));
    results.forEach((r, i) => assert.deepEqual([...r], [0, i]));
    assert.equal(c.channelCount, 1);
    const deadline = Date.now() + 2000;
    while (c.channelCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.channelCount, 0, 'idle channel closed');
    assert.deepEqual([...(await c.call(address, 'Echo.Reverse', new Uint8Array([5, 6])))], [6, 5]);
    assert.equal(c.channelCount, 1);
  });

  test('registering a method twice is refused', () => {
    assert.throws(() => server.rpc.registerHandler('Echo.Reverse', async (b) => b), /already has a handler/);
    assert.ok(server.rpc.methods().includes('Echo.Reverse'));
  });

  test('a closed client refuses calls', async () => {
    const c = client();
    c.close();
    assert.equal((await rejection(c.call(address, 'Echo.Reverse', new Uint8Array()))).code, 'UNAVAILABLE');
  });

  test('malformed call frames from a raw gRPC client are refused with INVALID_ARGUMENT', async () => {
    const raw = new Client(address, credentials.createInsecure());
    try {
      const send = (bytes: Buffer): Promise<ServiceError | null> =>
        new Promise((resolve) => {
          raw.makeUnaryRequest<Buffer, Buffer>(RPC_CALL_PATH, (x) => x, (x) => x, bytes, new Metadata(), {}, (err) => resolve(err));
        });
      for (const bytes of [Buffer.from([]), Buffer.from([2, 0x10, 0, 1, 0x41]), Buffer.from([1, 0x10, 0, 9, 0x41]), Buffer.from([1, 0x11, 0, 1, 0x41])]) {
        const err = await send(bytes);
        assert.equal(err?.code, status.INVALID_ARGUMENT, bytes.toString('hex'));
        assert.equal(err?.metadata.get(ERROR_CODE_TRAILER)[0], 'BAD_REQUEST');
      }
    } finally {
      raw.close();
    }
  });
});

describe('server rpc frames and status mapping', () => {
  test('call frames round-trip and are refused when malformed', () => {
    const frame = encodeCall('Kv.Put', new Uint8Array([9, 8]));
    const back = decodeCall(frame);
    assert.equal(back.method, 'Kv.Put');
    assert.deepEqual([...back.body], [9, 8]);
    for (const bad of [new Uint8Array([1, 0x10, 0]), Uint8Array.from([1, 0x10, 0, 0]), Uint8Array.from([1, 0x10, 0, 2, 0xff, 0xfe])]) {
      assert.throws(() => decodeCall(bad), RpcDecodeError);
    }
    assert.throws(() => encodeCall('', new Uint8Array()), AppError);
  });

  test('every AppError code maps to a status that maps back to it (except CONFIG, sent as a trailer)', () => {
    for (const code of CODES) {
      const back = codeForStatus(statusForCode(code));
      if (code === 'CONFIG') assert.equal(back, 'METHOD_NOT_ALLOWED');
      else assert.equal(back, code);
    }
    assert.equal(codeForStatus(status.DEADLINE_EXCEEDED), 'UNAVAILABLE');
    assert.equal(codeForStatus(status.UNIMPLEMENTED), 'NOT_FOUND');
    assert.equal(codeForStatus(status.DATA_LOSS), 'INTERNAL');
  });
});
