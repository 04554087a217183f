import type { TxnEntry, TxnKVOp, TxnOutcome } from '../../catalog/commands.js';
import { evaluateTxn, isReadOnly, MAX_TXN_OPS } from '../../catalog/txn.js';
import { AppError, badRequest } from '../../shared/errors.js';
import { decodeJson, foldFields, isPlainObject } from '../body.js';
import { jsonReply, type HttpDeps, type Reply } from '../context.js';
import { checkDatacenter, parseConsistency, queryMetaHeaders } from '../read.js';
import type { Router } from '../router.js';

/**
 * PUT /v1/txn: up to 64 KV operations, all or nothing. A transaction that writes is one log
 * entry, applied atomically by every replica; one made only of reads (get, get-tree, check-*)
 * is answered from the local store after the barrier its consistency mode asks for, as Consul's
 * Txn.Read. A failed condition rolls back everything: 409 with an error per failed op.
 */

const OP_FIELDS = ['KV', 'Node', 'Service', 'Check'] as const;
const KV_FIELDS = ['Verb', 'Key', 'Value', 'Flags', 'Index', 'Session'] as const;

/** Consul's DirEntry JSON inside a txn result (Value base64, null when absent). */
function entryJson(e: TxnEntry): Record<string, unknown> {
  return {
    LockIndex: e.LockIndex,
    Key: e.Key,
    Flags: e.Flags,
    Value: e.Value && e.Value.length > 0 ? Buffer.from(e.Value).toString('base64') : null,
    ...(e.Session ? { Session: e.Session } : {}),
    CreateIndex: e.CreateIndex,
    ModifyIndex: e.ModifyIndex,
  };
}

function uint(value: unknown, what: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw badRequest(`Request decode failed: ${what} must be an unsigned integer`);
  return value;
}

/** Decodes the body into KV ops; too many ops, or a value over the KV limit, is a 413 (as Consul's). */
export function parseTxnOps(body: Buffer, maxValueSize: number): TxnKVOp[] {
  const raw = decodeJson(body);
  if (!Array.isArray(raw)) throw badRequest('Request decode failed: the transaction must be a JSON array of operations');
  if (raw.length > MAX_TXN_OPS) throw new AppError('TOO_LARGE', `Transaction contains too many operations (${raw.length} > ${MAX_TXN_OPS})`);
  return raw.map((item, i) => {
    const op = foldFields(item, OP_FIELDS, `operation ${i}`);
    if (op.KV === undefined) {
      if (op.Node !== undefined || op.Service !== undefined || op.Check !== undefined) {
        throw badRequest(`operation ${i}: only KV operations are supported in transactions`);
      }
      throw badRequest(`Request decode failed: operation ${i} has no KV member`);
    }
    if (!isPlainObject(op.KV)) throw badRequest(`Request decode failed: operation ${i}: KV must be an object`);
    const kv = foldFields(op.KV, KV_FIELDS, `operation ${i}`);
    if (typeof kv.Verb !== 'string') throw badRequest(`Request decode failed: operation ${i} has no Verb`);
    const key = kv.Key ?? '';
    if (typeof key !== 'string') throw badRequest(`Request decode failed: operation ${i}: Key must be a string`);
    const out: TxnKVOp = { verb: kv.Verb as TxnKVOp['verb'], key };
    if (kv.Value !== undefined) {
      if (typeof kv.Value !== 'string') throw badRequest(`Request decode failed: operation ${i}: Value must be base64`);
      const value = Buffer.from(kv.Value, 'base64');
      if (value.length > maxValueSize) {
        throw new AppError('TOO_LARGE', `Value for key ${JSON.stringify(key)} is too large (${value.length} > ${maxValueSize} bytes)`);
      }
      out.value = value;
    }
    if (kv.Flags !== undefined) out.flags = uint(kv.Flags, 'Flags');
    if (kv.Index !== undefined) out.index = uint(kv.Index, 'Index');
    if (kv.Session !== undefined) {
      if (typeof kv.Session !== 'string') throw badRequest(`Request decode failed: operation ${i}: Session must be a string`);
      out.session = kv.Session;
    }
    return out;
  });
}

function reply(outcome: TxnOutcome, headers: Record<string, string> = {}): Reply {
  if (outcome.errors.length > 0) return jsonReply({ Results: null, Errors: outcome.errors }, { status: 409, headers });
  return jsonReply({ Results: outcome.results.map((e) => ({ KV: entryJson(e) })), Errors: null }, { headers });
}

export function registerTxnRoutes(router: Router, deps: HttpDeps): void {
  const { reader, log, config } = deps;

  router.put('/v1/txn', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    // Room for one value of the largest size, base64-encoded, plus the rest of the ops; each value
    // is then held to kv_max_value_size itself.
    const limit = Math.max(config.httpMaxBodyBytes, Math.ceil((config.kvMaxValueSize * 4) / 3) + 64 * 1024);
    const body = await ctx.body(limit, (max) => `Request body too large, max size: ${max} bytes. See txn_max_req_len.`);
    const ops = parseTxnOps(body, config.kvMaxValueSize);
    if (ops.length === 0) return jsonReply({ Results: [], Errors: null });
    if (isReadOnly(ops)) {
      const consistency = parseConsistency(deps, ctx.query);
      await log.barrier(consistency);
      const { outcome } = evaluateTxn(reader, ops, 0);
      return reply(outcome, queryMetaHeaders(deps, reader.index('kvs'), consistency));
    }
    // Lock-delay is local state (as Consul's): a lock op on a key still in its delay fails here.
    const delayed = ops.findIndex((op) => op.verb === 'lock' && reader.kvLockDelay(op.key) > 0);
    if (delayed !== -1) {
      const key = ops[delayed]!.key;
      return reply({ results: [], errors: [{ OpIndex: delayed, What: `failed to lock key ${JSON.stringify(key)}, lock-delay in effect for ${Math.ceil(reader.kvLockDelay(key) / 1000)}s` }] });
    }
    const applied = await log.propose({ type: 'txn', ops });
    return reply(applied.txn ?? { results: [], errors: [] }, { 'X-Consul-Index': String(applied.index) });
  });
}
