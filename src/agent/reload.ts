import { isDeepStrictEqual } from 'node:util';
import type { CheckDefinition, ServiceDefinition } from '../shared/definitions.js';

/**
 * `roster reload` / SIGHUP / PUT /v1/agent/reload: the service and check definitions of the
 * configuration files are read again and the difference applied. Definitions that did not change
 * are left alone (their checks keep running and keep their status); changed ones are replaced;
 * ones that are gone are deregistered. Registrations made through the API are never touched.
 * This module is the planning half; LocalAgent.applyConfigDefinitions carries a plan out.
 */

export interface ConfigDefinitions {
  services: readonly ServiceDefinition[];
  checks: readonly CheckDefinition[];
}

export interface ReloadPlan {
  addServices: ServiceDefinition[];
  updateServices: ServiceDefinition[];
  removeServices: string[];
  addChecks: CheckDefinition[];
  updateChecks: CheckDefinition[];
  removeChecks: string[];
  unchanged: number;
}

export interface ReloadSummary {
  services: { added: string[]; updated: string[]; removed: string[] };
  checks: { added: string[]; updated: string[]; removed: string[] };
  unchanged: number;
}

/** Later definitions of one ID win, as they do when the files are first loaded. */
function byId<T>(items: readonly T[], id: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [id(item), item]));
}

function diff<T>(
  current: Map<string, T>,
  next: Map<string, T>,
): { add: T[]; update: T[]; remove: string[]; unchanged: number } {
  const add: T[] = [];
  const update: T[] = [];
  let unchanged = 0;
  for (const [id, item] of next) {
    const before = current.get(id);
    if (before === undefined) add.push(item);
    else if (!isDeepStrictEqual(before, item)) update.push(item);
    else unchanged++;
  }
  const remove = [...current.keys()].filter((id) => !next.has(id));
  return { add, update, remove, unchanged };
}

/** What to do to go from the definitions loaded now to the ones just read. */
export function planReload(current: ConfigDefinitions, next: ConfigDefinitions): ReloadPlan {
  const services = diff(byId(current.services, (s) => s.ID), byId(next.services, (s) => s.ID));
  const checks = diff(byId(current.checks, (c) => c.CheckID), byId(next.checks, (c) => c.CheckID));
  return {
    addServices: services.add,
    updateServices: services.update,
    removeServices: services.remove,
    addChecks: checks.add,
    updateChecks: checks.update,
    removeChecks: checks.remove,
    unchanged: services.unchanged + checks.unchanged,
  };
}

export function summarize(plan: ReloadPlan): ReloadSummary {
  return {
    services: { added: plan.addServices.map((s) => s.ID), updated: plan.updateServices.map((s) => s.ID), removed: plan.removeServices },
    checks: { added: plan.addChecks.map((c) => c.CheckID), updated: plan.updateChecks.map((c) => c.CheckID), removed: plan.removeChecks },
    unchanged: plan.unchanged,
  };
}

/** One line for the log: "reloaded: services +1 ~0 -2, checks +0 ~1 -0". */
export function describeSummary(summary: ReloadSummary): string {
  const part = (name: string, s: { added: string[]; updated: string[]; removed: string[] }) =>
    `${name} +${s.added.length} ~${s.updated.length} -${s.removed.length}`;
  return `${part('services', summary.services)}, ${part('checks', summary.checks)}, ${summary.unchanged} unchanged`;
}

/**
 * Runs `task` one at a time: a reload asked for while one runs waits for it (SIGHUP twice, or a
 * signal and an API call together, must not interleave two half-applied plans).
 */
export function oneAtATime<T>(task: () => Promise<T>): () => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return () => {
    const run = chain.then(task, task);
    chain = run.catch(() => undefined);
    return run;
  };
}
