import type { AgentConfig } from '../config/types.js';

/**
 * What a signal does to a running agent, as Consul decides it: SIGINT leaves the cluster
 * gracefully unless skip_leave_on_interrupt (the default on servers); SIGTERM leaves only with
 * leave_on_terminate (the default on clients). Otherwise the agent stops without a leave, and
 * the others will see it fail, then come back.
 */
export function signalAction(
  signal: string,
  config: Pick<AgentConfig, 'leaveOnTerminate' | 'skipLeaveOnInterrupt'>,
): 'leave' | 'stop' {
  if (signal === 'SIGINT') return config.skipLeaveOnInterrupt ? 'stop' : 'leave';
  if (signal === 'SIGTERM') return config.leaveOnTerminate ? 'leave' : 'stop';
  return 'stop';
}

/**
 * The parts of a running agent the signal handler uses. `leave` (graceful leave, then stop) and
 * `exitCode` (1 after retry_max ran out) are optional so the command works with any start.ts.
 */
export interface SignalledAgent {
  stop(reason: string): Promise<void>;
  leave?: () => Promise<void>;
  readonly exitCode?: number;
}
