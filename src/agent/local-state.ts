import type { HealthStatus } from '../catalog/types.js';
import type { CheckDefinition, ServiceDefinition } from '../shared/definitions.js';

export interface LocalCheck {
  definition: CheckDefinition;
  status: HealthStatus;
  output: string;
}

/** What changed in local state: a service (ID), a check (ID), or both. */
export interface LocalChange {
  serviceId?: string;
  checkId?: string;
}

/**
 * What this agent knows to be true of its own node: the services and checks registered on it.
 * It is authoritative for the node; anti-entropy makes the catalog agree with it.
 */
export class LocalState {
  private readonly serviceMap = new Map<string, ServiceDefinition>();
  private readonly checkMap = new Map<string, LocalCheck>();
  private readonly listeners = new Set<(change: LocalChange) => void>();

  /** Calls `listener` after every change, synchronously; returns the unsubscribe function. */
  subscribe(listener: (change: LocalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves on the next change (alias checks of local services wait on it). */
  watch(): { changed: Promise<void>; cancel(): void } {
    let cancel!: () => void;
    const changed = new Promise<void>((resolve) => {
      const off = this.subscribe(() => {
        off();
        resolve();
      });
      cancel = () => void off();
    });
    return { changed, cancel };
  }

  private emit(change: LocalChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  services(): ServiceDefinition[] {
    return [...this.serviceMap.values()].sort((a, b) => (a.ID < b.ID ? -1 : 1));
  }

  service(id: string): ServiceDefinition | undefined {
    return this.serviceMap.get(id);
  }

  checks(): LocalCheck[] {
    return [...this.checkMap.values()].sort((a, b) => (a.definition.CheckID < b.definition.CheckID ? -1 : 1));
  }

  check(id: string): LocalCheck | undefined {
    return this.checkMap.get(id);
  }

  addService(service: ServiceDefinition): void {
    this.serviceMap.set(service.ID, service);
    this.emit({ serviceId: service.ID });
  }

  /** Removes a service and every check bound to it; returns the removed check IDs. */
  removeService(id: string): string[] {
    this.serviceMap.delete(id);
    const removed: string[] = [];
    for (const [checkId, check] of this.checkMap) {
      if (check.definition.ServiceID === id) {
        this.checkMap.delete(checkId);
        removed.push(checkId);
      }
    }
    for (const checkId of removed) this.emit({ checkId, serviceId: id });
    this.emit({ serviceId: id });
    return removed;
  }

  addCheck(definition: CheckDefinition): LocalCheck {
    const check: LocalCheck = { definition, status: definition.Status, output: '' };
    this.checkMap.set(definition.CheckID, check);
    this.emit({ checkId: definition.CheckID });
    return check;
  }

  removeCheck(id: string): boolean {
    const removed = this.checkMap.delete(id);
    if (removed) this.emit({ checkId: id });
    return removed;
  }

  /** Returns whether the status or output changed (so a sync is due). */
  setCheckStatus(id: string, status: HealthStatus, output: string): boolean {
    const check = this.checkMap.get(id);
    if (!check || (check.status === status && check.output === output)) return false;
    check.status = status;
    check.output = output;
    this.emit({ checkId: id });
    return true;
  }
}
