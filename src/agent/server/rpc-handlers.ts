import { Packr } from 'msgpackr';
import { z } from 'zod';
import type { FsmOutcome } from '../../catalog/fsm.js';
import type { RaftConfigurationView, SnapshotArchive } from '../../http/operator-port.js';
import type { RaftNode } from '../../raft/node/raft-node.js';
import type { ServerRpcClient, ServerRpcService } from '../../rpc/index.js';
import { AppError } from '../../shared/errors.js';
import type { OperatorForward, RaftOperator } from './operator.js';
import type { ServerCalls } from '../client/client-log.js';
import type { LeaderRpc, RaftCommandLog } from './raft-log.js';

/**
 * The server-to-server calls of the server RPC port, both halves: what a server serves
 * (registerServerRpc) and how another server calls it. Payloads are msgpack; every request is
 * validated, since it came off the network.
 */
const METHOD = {
  apply: 'Raft.Apply',
  readIndex: 'Raft.ReadIndex',
  peers: 'Status.Peers',
  configuration: 'Operator.RaftConfiguration',
  removePeer: 'Operator.RaftRemovePeer',
  transferLeader: 'Operator.RaftTransferLeader',
  snapshot: 'Operator.SnapshotSave',
  clientApply: 'Catalog.Apply',
  clientReadIndex: 'Catalog.ReadIndex',
} as const;

const packr = new Packr({ useRecords: false });

/** Writes may wait out an election on the leader side, so they get more than the default deadline. */
const APPLY_TIMEOUT_MS = 30_000;

const txnEntry = z.object({
  Key: z.string(),
  Value: z.instanceof(Uint8Array).nullable(),
  Flags: z.number(),
  LockIndex: z.number(),
  Session: z.string(),
  CreateIndex: z.number(),
  ModifyIndex: z.number(),
});
const txnOutcome = z.object({ results: z.array(txnEntry), errors: z.array(z.object({ OpIndex: z.number(), What: z.string() })) });
const applyAnswer = z.object({
  index: z.number().int().nonnegative(),
  outcome: z.object({ result: z.boolean(), error: z.string().optional(), txn: txnOutcome.optional() }),
});
const readIndexRequest = z.object({ consistent: z.boolean() });
const indexAnswer = z.object({ index: z.number().int().nonnegative() });
const peersAnswer = z.object({ count: z.number().int().nonnegative() });
const removePeerRequest = z.object({ id: z.string().optional(), address: z.string().optional() });
const transferRequest = z.object({ id: z.string().optional() });
const configurationAnswer = z.object({
  Servers: z.array(
    z.object({ ID: z.string(), Node: z.string(), Address: z.string(), Leader: z.boolean(), Voter: z.boolean(), ProtocolVersion: z.string(), LastIndex: z.number() }),
  ),
  Index: z.number(),
});
const snapshotAnswer = z.object({ index: z.number(), term: z.number(), data: z.instanceof(Uint8Array) });

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('BAD_REQUEST', `rpc ${what}: malformed payload (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

export function registerServerRpc(
  service: ServerRpcService,
  deps: { node: RaftNode; log: RaftCommandLog; operator: RaftOperator },
): void {
  const { node, log, operator } = deps;
  const leaderOnly = (): void => {
    if (!node.isLeader()) throw new AppError('UNAVAILABLE', 'not the leader');
  };
  service.registerHandler(METHOD.apply, async (body) => {
    leaderOnly();
    return packr.pack(await log.applyAsLeader(body));
  });
  // Client agents call any server; it proposes (as leader) or passes the call on.
  service.registerHandler(METHOD.clientApply, async (body) => packr.pack(await log.applyFromClient(body)));
  service.registerJsonHandler(METHOD.clientReadIndex, async (payload) => {
    const { consistent } = parse(readIndexRequest, payload, METHOD.clientReadIndex);
    return { index: await log.readIndexFromClient(consistent) };
  });
  service.registerJsonHandler(METHOD.readIndex, async (payload) => {
    const { consistent } = parse(readIndexRequest, payload, METHOD.readIndex);
    return { index: await log.readIndexAsLeader(consistent) };
  });
  service.registerJsonHandler(METHOD.peers, () => ({ count: node.status().membership.servers.length }));
  service.registerJsonHandler(METHOD.configuration, () => {
    leaderOnly();
    return operator.localConfiguration();
  });
  service.registerJsonHandler(METHOD.removePeer, async (payload) => {
    leaderOnly();
    await operator.removeRaftPeer(parse(removePeerRequest, payload, METHOD.removePeer));
    return {};
  });
  service.registerJsonHandler(METHOD.transferLeader, async (payload) => {
    leaderOnly();
    await operator.transferLeader(parse(transferRequest, payload, METHOD.transferLeader).id);
    return {};
  });
  service.registerJsonHandler(METHOD.snapshot, async () => {
    leaderOnly();
    return operator.saveSnapshot({ stale: true });
  });
}

/** Writes and read points over RPC: a follower calling its leader, or a client agent any server. */
function commandCalls(client: ServerRpcClient, applyMethod: string, readIndexMethod: string): LeaderRpc & ServerCalls {
  return {
    async apply(address, command) {
      const answer = await client.call(address, applyMethod, command, { timeoutMs: APPLY_TIMEOUT_MS });
      const parsed = parse(applyAnswer, packr.unpack(answer), applyMethod);
      const outcome: FsmOutcome = {
        result: parsed.outcome.result,
        ...(parsed.outcome.error === undefined ? {} : { error: parsed.outcome.error }),
        ...(parsed.outcome.txn === undefined ? {} : { txn: parsed.outcome.txn }),
      };
      return { index: parsed.index, outcome };
    },
    async readIndex(address, consistent) {
      return parse(indexAnswer, await client.callJson(address, readIndexMethod, { consistent }), readIndexMethod).index;
    },
  };
}

export const rpcLeader = (client: ServerRpcClient): LeaderRpc => commandCalls(client, METHOD.apply, METHOD.readIndex);

export function rpcOperatorForward(client: ServerRpcClient): OperatorForward {
  return {
    async raftConfiguration(leader): Promise<RaftConfigurationView> {
      return parse(configurationAnswer, await client.callJson(leader, METHOD.configuration, {}), METHOD.configuration);
    },
    async removeRaftPeer(leader, target) {
      await client.callJson(leader, METHOD.removePeer, target);
    },
    async transferLeader(leader, id) {
      await client.callJson(leader, METHOD.transferLeader, id === undefined ? {} : { id });
    },
    async saveSnapshot(leader): Promise<SnapshotArchive> {
      return parse(snapshotAnswer, await client.callJson(leader, METHOD.snapshot, {}, { timeoutMs: 60_000 }), METHOD.snapshot);
    },
  };
}

/** How many servers a peer's Raft configuration holds (bootstrap_expect's "existing cluster?" check). */
export async function rpcPeerCount(client: ServerRpcClient, address: string): Promise<number> {
  return parse(peersAnswer, await client.callJson(address, METHOD.peers, {}, { timeoutMs: 2_000 }), METHOD.peers).count;
}

/** A client agent's calls on its server (which passes them on to the leader). */
export const rpcServerCalls = (client: ServerRpcClient): ServerCalls => commandCalls(client, METHOD.clientApply, METHOD.clientReadIndex);
