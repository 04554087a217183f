import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Injected randomness. Production uses crypto; tests and the simulator use a seeded generator
 * so a failure replays from its seed.
 */
export interface Random {
  /** A float in [0, 1). */
  float(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  uuid(): string;
}

export const systemRandom: Random = {
  float: () => randomBytes(4).readUInt32BE(0) / 2 ** 32,
  int(n) {
    return Math.floor(this.float() * n);
  },
  uuid: () => randomUUID(),
};

/** Deterministic generator (mulberry32) for tests and simulation. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const float = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(float() * 16).toString(16)).join('');
  return {
    float,
    int: (n) => Math.floor(float() * n),
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
  };
}

/** Fisher–Yates shuffle into a new array. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
