import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import type { StoreSnapshot } from './store.js';

/**
 * The shape a catalog snapshot must have before an operator's restore may enter the Raft log.
 * Every replica applies what the log holds, so a malformed snapshot must be refused here, once,
 * rather than break every server's state machine. Rows are checked for the fields the store
 * indexes on; the rest passes through as the snapshot holds it.
 */
const index = z.number().int().nonnegative();
const strings = z.record(z.string());
const row = { CreateIndex: index, ModifyIndex: index };

const node = z.object({ ID: z.string(), Node: z.string().min(1), Address: z.string(), Datacenter: z.string(), TaggedAddresses: strings, Meta: strings, ...row }).passthrough();
const service = z.object({ Node: z.string().min(1), ID: z.string().min(1), Service: z.string(), Tags: z.array(z.string()), Port: z.number(), ...row }).passthrough();
const check = z.object({ Node: z.string().min(1), CheckID: z.string().min(1), Status: z.enum(['passing', 'warning', 'critical']), ...row }).passthrough();
const kv = z.object({ Key: z.string(), Value: z.union([z.string(), z.instanceof(Uint8Array)]), Flags: z.number(), ...row }).passthrough();
const session = z
  .object({
    ID: z.string().min(1),
    Name: z.string(),
    Node: z.string().min(1),
    LockDelay: z.number().nonnegative(),
    Behavior: z.enum(['release', 'delete']),
    TTL: z.string(),
    NodeChecks: z.array(z.string()),
    ServiceChecks: z.array(z.object({ ID: z.string() }).passthrough()).nullable(),
    ...row,
  })
  .passthrough();

const snapshot = z.object({
  nodes: z.array(node),
  services: z.array(service),
  checks: z.array(check),
  kvs: z.array(kv),
  tombstones: z.array(z.tuple([z.string(), index])),
  // Snapshots from before sessions existed have neither.
  sessions: z.array(session).optional(),
  tableIndex: z.object({ nodes: index, services: index, checks: index, kvs: index, sessions: index.optional() }),
});

export function validateStoreSnapshot(value: unknown): StoreSnapshot {
  const parsed = snapshot.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('BAD_REQUEST', `not a valid catalog snapshot: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as unknown as StoreSnapshot;
}
