/**
 * Defaults and validation for RaftConfig. Times are in ticks: the driver decides how long a tick
 * is (100 ms gives a 1–2 s election timeout with the defaults, close to hashicorp/raft's 1 s).
 */
import { AppError } from '../../shared/errors.js';
import type { RaftConfig, ServerId } from './types.js';

/**
 * Ticks taken off the election timeout for a leader's read lease: a follower's lease began when
 * it got the message it answered, up to a round trip before the leader heard back.
 */
export const LEASE_MARGIN_TICKS = 2;

export function defaultRaftConfig(id: ServerId): RaftConfig {
  return {
    id,
    // etcd suggests electionTicks = 10 × heartbeatTicks: a follower misses several heartbeats
    // before it suspects the leader.
    electionTicks: 10,
    heartbeatTicks: 1,
    preVote: true,
    checkQuorum: true,
    maxSizePerMsg: 1024 * 1024,
    maxInflightMsgs: 256,
  };
}

/** Throws AppError('CONFIG') naming the first bad field; returns the config unchanged. */
export function validateRaftConfig(config: RaftConfig): RaftConfig {
  const bad = (field: string, why: string): never => {
    throw new AppError('CONFIG', `raft config: ${field} ${why}`);
  };
  const positiveInt = (field: keyof RaftConfig, v: number): void => {
    if (!Number.isSafeInteger(v) || v < 1) bad(field, `must be a positive integer, got ${v}`);
  };
  if (typeof config.id !== 'string' || config.id === '') bad('id', 'must be a non-empty server ID');
  positiveInt('electionTicks', config.electionTicks);
  positiveInt('heartbeatTicks', config.heartbeatTicks);
  positiveInt('maxSizePerMsg', config.maxSizePerMsg);
  positiveInt('maxInflightMsgs', config.maxInflightMsgs);
  // A follower must hear several heartbeats per election timeout, or it campaigns against a
  // healthy leader.
  if (config.readLease && !config.checkQuorum) bad('readLease', 'needs checkQuorum (followers keep the lease by refusing votes)');
  if (config.readLease && config.electionTicks <= LEASE_MARGIN_TICKS) {
    bad('readLease', `needs electionTicks above the ${LEASE_MARGIN_TICKS}-tick margin`);
  }
  if (config.electionTicks <= config.heartbeatTicks) {
    bad('electionTicks', `must exceed heartbeatTicks (${config.electionTicks} <= ${config.heartbeatTicks})`);
  }
  return config;
}
