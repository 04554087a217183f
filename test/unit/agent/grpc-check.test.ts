// gRPC checks against a tiny grpc-js server speaking grpc.health.v1, and the hand-written codec.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server, ServerCredentials, status as grpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  grpcProbe,
  healthCheckMethod,
  parseGrpcTarget,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from '../../../src/agent/checks/grpc.js';
import { closedPort } from '../../helpers/ports.js';

describe('grpc.health.v1 codec', () => {
  it('encodes the request as protobuf field 1 (string), empty when no service', () => {
    assert.deepEqual([...encodeHealthCheckRequest({ service: 'web' })], [0x0a, 0x03, 0x77, 0x65, 0x62]);
    assert.equal(encodeHealthCheckRequest({ service: '' }).length, 0);
    const long = 'x'.repeat(300);
    assert.deepEqual(decodeHealthCheckRequest(encodeHealthCheckRequest({ service: long })), { service: long });
  });

  it('decodes the status (field 1, varint) and skips fields it does not know', () => {
    assert.deepEqual(decodeHealthCheckResponse(Buffer.from([0x08, 0x01])), { status: 1 });
    assert.deepEqual(decodeHealthCheckResponse(Buffer.alloc(0)), { status: 0 });
    // field 2 (string "hi"), field 3 (fixed32), then status 2
    const withExtras = Buffer.from([0x12, 0x02, 0x68, 0x69, 0x1d, 1, 2, 3, 4, 0x08, 0x02]);
    assert.deepEqual(decodeHealthCheckResponse(withExtras), { status: 2 });
    assert.deepEqual(decodeHealthCheckResponse(encodeHealthCheckResponse({ status: 3 })), { status: 3 });
    assert.throws(() => decodeHealthCheckResponse(Buffer.from([0x12, 0x05, 0x68])), /runs past the end/);
  });

  it('splits host:port/service', () => {
    assert.deepEqual(parseGrpcTarget('127.0.0.1:9000'), { address: '127.0.0.1:9000', service: '' });
    assert.deepEqual(parseGrpcTarget('localhost:9000/pkg.Svc/extra'), { address: 'localhost:9000', service: 'pkg.Svc/extra' });
  });
});

describe('gRPC checks', () => {
  const server = new Server();
  const asked: string[] = [];
  /** service name → serving status number; absent → NOT_FOUND error, as the reference server does. */
  const statuses = new Map<string, number>([['', 1]]);
  let address = '';
  before(async () => {
    server.addService(
      { Check: healthCheckMethod },
      {
        Check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
          asked.push(call.request.service);
          const status = statuses.get(call.request.service);
          if (status === undefined) return callback({ code: grpcStatus.NOT_FOUND, details: 'unknown service' });
          callback(null, { status });
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    address = `127.0.0.1:${port}`;
  });
  after(() => server.forceShutdown());

  it('SERVING is passing; the service after the slash is what is asked about', async () => {
    statuses.set('pkg.Web', 1);
    asked.length = 0;
    assert.deepEqual(await grpcProbe(address)(3000), { status: 'passing', output: `gRPC check ${address}: success` });
    assert.deepEqual(await grpcProbe(`${address}/pkg.Web`)(3000), { status: 'passing', output: `gRPC check ${address}/pkg.Web: success` });
    assert.deepEqual(asked, ['', 'pkg.Web']);
  });

  it('any other serving status is critical, named', async () => {
    statuses.set('down', 2);
    statuses.set('odd', 3);
    assert.deepEqual(await grpcProbe(`${address}/down`)(3000), { status: 'critical', output: `gRPC ${address}/down serving status: NOT_SERVING` });
    assert.deepEqual(await grpcProbe(`${address}/odd`)(3000), { status: 'critical', output: `gRPC ${address}/odd serving status: SERVICE_UNKNOWN` });
  });

  it('an error status or an unreachable server is critical with the gRPC error', async () => {
    const missing = await grpcProbe(`${address}/nope`)(3000);
    assert.deepEqual(missing, { status: 'critical', output: 'rpc error: code = NotFound desc = unknown service' });
    const dead = await grpcProbe(`127.0.0.1:${await closedPort()}`)(3000);
    assert.equal(dead.status, 'critical');
    assert.match(dead.output, /^rpc error: code = Unavailable desc = /);
  });
});
