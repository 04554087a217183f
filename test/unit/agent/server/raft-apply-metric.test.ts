import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftCommandLog, type LeaderRpc, type RaftNodeLike } from '../../../../src/agent/server/raft-log.js';
import { encodeCommand } from '../../../../src/catalog/command-codec.js';
import type { CatalogCommand } from '../../../../src/catalog/commands.js';
import { MetricsRegistry } from '../../../../src/metrics/registry.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

// raft.apply counts what Consul's does: commands this server, as leader, appends to the log —
// its own writes and those forwarded to it. A follower passing a write on counts nothing.

const set: CatalogCommand = { type: 'kv', op: 'set', key: 'k', value: 'v' };

function serverLog(leader: boolean) {
  const clock = new ManualClock();
  const applies = new MetricsRegistry({ clock, prefix: 'consul', gaugeHostname: '' }).counter('raft.apply');
  let index = 0;
  const node = {
    isLeader: () => leader,
    leaderAddress: () => (leader ? '127.0.0.1:8300' : '127.0.0.2:8300'),
    propose: async () => ({ index: ++index, result: { result: true } }),
  } as unknown as RaftNodeLike;
  const forwarded: Uint8Array[] = [];
  const rpc: LeaderRpc = {
    apply: async (_leader, command) => {
      forwarded.push(command);
      return { index: 99, outcome: { result: true } };
    },
    readIndex: async () => 0,
  };
  return { log: new RaftCommandLog(node, rpc, clock, applies), applies, forwarded };
}

describe('raft.apply', () => {
  it('counts commands the leader appends, its own and forwarded ones, and none on a follower', async () => {
    const leader = serverLog(true);
    await leader.log.propose(set);
    await leader.log.applyAsLeader(encodeCommand(set));
    await leader.log.applyFromClient(encodeCommand(set));
    assert.equal(leader.applies.total, 3);

    const follower = serverLog(false);
    await follower.log.propose(set);
    await follower.log.applyFromClient(encodeCommand(set));
    assert.equal(follower.forwarded.length, 2, 'passed on to the leader, which counts them');
    assert.equal(follower.applies.total, 0);
  });
});
