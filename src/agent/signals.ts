import type { AgentConfig } from '../config/types.js';
import type { Logger } from '../shared/logger.js';

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

/** A running agent that can reload its configuration (`reload` is optional for older start.ts). */
export interface ReloadableAgent {
  reload?: () => Promise<void>;
}

/**
 * SIGHUP reloads the configuration files, as Consul's does. Reloads never overlap (the agent
 * queues them); a failed reload is logged and the agent keeps what it had. Returns the detach
 * function.
 */
export function reloadOnSighup(
  agent: ReloadableAgent,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
  proc: Pick<NodeJS.Process, 'on' | 'off'> = process,
): () => void {
  const onHup = (): void => {
    if (!agent.reload) {
      logger.warn('caught SIGHUP, but this agent cannot reload its configuration');
      return;
    }
    logger.info('caught SIGHUP, reloading configuration');
    agent.reload().catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'configuration reload failed; keeping the current definitions'));
  };
  proc.on('SIGHUP', onHup);
  return () => void proc.off('SIGHUP', onHup);
}
