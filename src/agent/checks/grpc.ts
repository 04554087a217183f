import { Client, credentials, status as grpcStatus, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import type { Probe } from './interval.js';

/**
 * The standard gRPC health protocol (grpc.health.v1), written out by hand: one unary method and
 * two one-field messages are not worth a protobuf library.
 *
 *   message HealthCheckRequest  { string service = 1; }
 *   message HealthCheckResponse { ServingStatus status = 1; }
 *   enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
 */
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

export interface HealthCheckRequest {
  service: string;
}
export interface HealthCheckResponse {
  /** The enum's number; SERVING_STATUS names the known ones. */
  status: number;
}

function encodeVarint(value: number, out: number[]): void {
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function decodeVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new Error('malformed protobuf: truncated varint');
}

/** Field 1, wire type 2 (length-delimited); an empty string is not written, as proto3 does. */
export function encodeHealthCheckRequest(request: HealthCheckRequest): Buffer {
  if (!request.service) return Buffer.alloc(0);
  const text = Buffer.from(request.service, 'utf8');
  const head: number[] = [0x0a];
  encodeVarint(text.length, head);
  return Buffer.concat([Buffer.from(head), text]);
}

export function decodeHealthCheckRequest(bytes: Buffer): HealthCheckRequest {
  let service = '';
  walkFields(bytes, (field, wire, value) => {
    if (field === 1 && wire === 2 && value instanceof Uint8Array) service = Buffer.from(value).toString('utf8');
  });
  return { service };
}

export function encodeHealthCheckResponse(response: HealthCheckResponse): Buffer {
  if (response.status === 0) return Buffer.alloc(0);
  const out: number[] = [0x08];
  encodeVarint(response.status, out);
  return Buffer.from(out);
}

/** Reads `status` (field 1, varint) and skips any other field, as a protobuf decoder must. */
export function decodeHealthCheckResponse(bytes: Buffer): HealthCheckResponse {
  let status = 0;
  walkFields(bytes, (field, wire, value) => {
    if (field === 1 && wire === 0 && typeof value === 'number') status = value;
  });
  return { status };
}

function walkFields(bytes: Uint8Array, visit: (field: number, wire: number, value: number | Uint8Array) => void): void {
  let at = 0;
  while (at < bytes.length) {
    const key = decodeVarint(bytes, at);
    at = key.next;
    const field = Math.floor(key.value / 8);
    const wire = key.value & 7;
    if (wire === 0) {
      const v = decodeVarint(bytes, at);
      at = v.next;
      visit(field, wire, v.value);
    } else if (wire === 2) {
      const len = decodeVarint(bytes, at);
      const end = len.next + len.value;
      if (end > bytes.length) throw new Error('malformed protobuf: field runs past the end');
      visit(field, wire, bytes.subarray(len.next, end));
      at = end;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > bytes.length) throw new Error('malformed protobuf: truncated fixed field');
    } else {
      throw new Error(`malformed protobuf: unsupported wire type ${wire}`);
    }
  }
}

/** The method as grpc-js wants it, for servers (tests) and clients alike. */
export const healthCheckMethod: MethodDefinition<HealthCheckRequest, HealthCheckResponse> = {
  path: HEALTH_CHECK_PATH,
  requestStream: false,
  responseStream: false,
  requestSerialize: encodeHealthCheckRequest,
  requestDeserialize: decodeHealthCheckRequest,
  responseSerialize: encodeHealthCheckResponse,
  responseDeserialize: decodeHealthCheckResponse,
};

/** `host:port[/service]`: the address to dial and the service to ask about ('' = the whole server). */
export function parseGrpcTarget(target: string): { address: string; service: string } {
  const slash = target.indexOf('/');
  return slash === -1 ? { address: target, service: '' } : { address: target.slice(0, slash), service: target.slice(slash + 1) };
}

/**
 * gRPC check, as Consul's CheckGRPC: a fresh plaintext connection per run calls
 * grpc.health.v1.Health/Check; SERVING is passing, any other answer or error critical. Outputs
 * read as Consul's: "gRPC check <target>: success", "gRPC <target> serving status: NOT_SERVING",
 * "rpc error: code = Unavailable desc = ...".
 */
export function grpcProbe(target: string): Probe {
  const { address, service } = parseGrpcTarget(target);
  return (timeoutMs) =>
    new Promise((resolve) => {
      const client = new Client(address, credentials.createInsecure(), { 'grpc.enable_retries': 0 });
      const deadline = new Date(Date.now() + timeoutMs);
      const m = healthCheckMethod;
      client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, { service }, { deadline }, (err, response) => {
        client.close();
        if (err) return resolve({ status: 'critical', output: describeGrpcError(err) });
        const code = response?.status ?? 0;
        if (code === 1) return resolve({ status: 'passing', output: `gRPC check ${target}: success` });
        const name = SERVING_STATUS[code] ?? String(code);
        resolve({ status: 'critical', output: `gRPC ${target} serving status: ${name}` });
      });
    });
}

/** Go's status error text: "rpc error: code = DeadlineExceeded desc = ...". */
function describeGrpcError(err: ServiceError): string {
  const name = grpcStatus[err.code] as string | undefined;
  const pretty = name ? name.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase()) : String(err.code);
  return `rpc error: code = ${pretty} desc = ${err.details || err.message}`;
}
