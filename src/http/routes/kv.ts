import type { KVCommand } from '../../catalog/commands.js';
import type { KVRecord } from '../../catalog/types.js';
import { badRequest } from '../../shared/errors.js';
import { emptyReply, jsonReply, rawReply, type HttpDeps, type RequestContext } from '../context.js';
import { flagParam, uintParam } from '../params.js';
import { blockingRead } from '../read.js';
import type { Router } from '../router.js';

/**
 * /v1/kv/:key — Consul's key/value API. Values are raw bytes on PUT and base64 in JSON
 * replies (`null` when empty); a miss is a 404 with an empty body; `?raw` returns the bytes
 * as they were stored. The key is the rest of the path, slashes included; `/v1/kv/` is the
 * root, usable only with `?recurse` or `?keys`.
 */

/** Consul's DirEntry JSON, with its field order; Session only when a lock is held. */
export function entryJson(e: KVRecord): Record<string, unknown> {
  return {
    LockIndex: e.LockIndex,
    Key: e.Key,
    Flags: e.Flags,
    Value: e.Value.length > 0 ? e.Value.toString('base64') : null,
    ...(e.Session ? { Session: e.Session } : {}),
    CreateIndex: e.CreateIndex,
    ModifyIndex: e.ModifyIndex,
  };
}

/** Consul rejects combinations whose meaning would be ambiguous, echoing the query. */
function refuseConflicting(query: URLSearchParams, names: string[]): void {
  if (names.filter((n) => query.has(n)).length > 1) throw badRequest(`Conflicting flags: ${query.toString()}`);
}

export function registerKvRoutes(router: Router, deps: HttpDeps): void {
  const { reader, log, config } = deps;

  router.get('/v1/kv/*key', async (ctx) => {
    const key = ctx.params.key ?? '';
    if (flagParam(ctx.query, 'keys')) return listKeys(deps, ctx, key);
    if (flagParam(ctx.query, 'recurse')) {
      const { value, headers } = await blockingRead(deps, ctx, ['kvs'], () => ({
        index: reader.kvPrefixIndex(key),
        value: reader.kvList(key),
      }));
      if (value.length === 0) return emptyReply({ status: 404, headers });
      return jsonReply(value.map(entryJson), { headers });
    }
    if (key === '') throw badRequest('Missing key name');
    const { value, headers } = await blockingRead(deps, ctx, ['kvs'], () => {
      const entry = reader.kvGet(key);
      // A miss still needs an index that moves when the key appears: its prefix index does.
      return { index: entry ? entry.ModifyIndex : reader.kvPrefixIndex(key), value: entry };
    });
    if (!value) return emptyReply({ status: 404, headers });
    if (flagParam(ctx.query, 'raw')) {
      // Stored values are arbitrary bytes; stop browsers from sniffing or running them.
      return rawReply(value.Value, {
        contentType: 'text/plain',
        headers: { ...headers, 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': 'sandbox' },
      });
    }
    return jsonReply([entryJson(value)], { headers });
  });

  router.put('/v1/kv/*key', async (ctx) => {
    const key = ctx.params.key ?? '';
    if (key === '') throw badRequest('Missing key name');
    refuseConflicting(ctx.query, ['cas', 'acquire', 'release']);
    const flags = uintParam(ctx.query, 'flags', 'Invalid flags') ?? 0;
    const cas = uintParam(ctx.query, 'cas', 'Invalid cas index');
    const acquire = ctx.query.get('acquire');
    const release = ctx.query.get('release');
    if (acquire === '' || release === '') throw badRequest('Missing session');
    const body = await ctx.body(
      config.kvMaxValueSize,
      (limit) => `Request body too large, max size: ${limit} bytes. See kv_max_value_size (limits.kv_max_value_size).`,
    );
    const command: KVCommand = { type: 'kv', op: cas === undefined ? 'set' : 'cas', key, value: body, flags };
    if (cas !== undefined) command.index = cas;
    if (acquire !== null) {
      Object.assign(command, { op: 'lock', session: acquire });
      // Lock-delay (Consul's): after a session holding this key was invalidated, nobody may take
      // it for the session's LockDelay. It is kept in memory on each server, from when that server
      // applied the invalidation; catch up with the leader first so the invalidation is seen here.
      await log.barrier('leader');
      if (reader.kvLockDelay(key) > 0) return jsonReply(false);
    } else if (release !== null) {
      Object.assign(command, { op: 'unlock', session: release });
    }
    const applied = await log.propose(command);
    // A plain set always reports true; CAS, acquire and release report whether they took.
    return jsonReply(command.op === 'set' ? true : applied.result);
  });

  router.delete('/v1/kv/*key', async (ctx) => {
    const key = ctx.params.key ?? '';
    refuseConflicting(ctx.query, ['recurse', 'cas']);
    const recurse = flagParam(ctx.query, 'recurse');
    if (!recurse && key === '') throw badRequest('Missing key name');
    const cas = uintParam(ctx.query, 'cas', 'Invalid cas index');
    let command: KVCommand;
    if (recurse) command = { type: 'kv', op: 'delete-tree', key };
    else if (cas !== undefined) command = { type: 'kv', op: 'delete-cas', key, index: cas };
    else command = { type: 'kv', op: 'delete', key };
    const applied = await log.propose(command);
    return jsonReply(command.op === 'delete-cas' ? applied.result : true);
  });
}

/** `?keys[&separator=/]`: key names under the prefix, rolled up at the separator. */
async function listKeys(deps: HttpDeps, ctx: RequestContext, prefix: string) {
  // Consul reads its historic misspelling too; the correct spelling wins when both are given.
  const separator = ctx.query.get('separator') ?? ctx.query.get('seperator') ?? '';
  const { value, headers } = await blockingRead(deps, ctx, ['kvs'], () => ({
    index: deps.reader.kvPrefixIndex(prefix),
    value: deps.reader.kvKeys(prefix, separator),
  }));
  // No match is a 404, except at the root, which is an empty list.
  if (value.length === 0 && prefix !== '') return emptyReply({ status: 404, headers });
  return jsonReply(value, { headers });
}
