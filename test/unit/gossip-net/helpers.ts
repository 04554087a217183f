// Small waiting helpers for the loopback network tests.
import type { GossipWire } from '../../../src/gossip/net/wire.js';

export interface Received {
  from: string;
  message: object;
}

/** Collects what a wire delivers; `waitFor(n)` resolves once n messages have arrived. */
export function collect(wire: GossipWire): { got: Received[]; waitFor(n: number, ms?: number): Promise<Received[]> } {
  const got: Received[] = [];
  const waiters: Array<() => void> = [];
  wire.onMessage((from, message) => {
    got.push({ from, message });
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = (n: number, ms = 2000): Promise<Received[]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`waited ${ms}ms for ${n} messages, got ${got.length}`)), ms);
      const check = (): void => {
        if (got.length >= n) {
          clearTimeout(timer);
          resolve(got);
        } else waiters.push(check);
      };
      check();
    });
  return { got, waitFor };
}

export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
