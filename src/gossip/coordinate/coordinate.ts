/**
 * Vivaldi network coordinates, as hashicorp/serf's coordinate package computes them (written
 * afresh here): a point in an 8-dimensional Euclidean space plus a non-Euclidean `height` (the
 * access link), an `adjustment` learned from recent errors, and an `error` (confidence). All
 * values are in seconds. The estimated round trip between two nodes is the distance of their
 * vectors plus both heights, plus both adjustments when that sum stays positive.
 *
 * Pure: no clock, no I/O; the only randomness (a direction when two points coincide) is injected.
 */
import type { Random } from '../../shared/random.js';

/** serf's coordinate.DefaultConfig(). */
export interface CoordinateConfig {
  /** Dimensions of the Euclidean part (serf: 8). */
  readonly dimensionality: number;
  /** Error of a node with no observations, and the cap on it (serf: 1.5). */
  readonly vivaldiErrorMax: number;
  /** How much one observation moves the confidence (serf: 0.25). */
  readonly vivaldiCE: number;
  /** How much one observation moves the coordinate (serf: 0.25). */
  readonly vivaldiCC: number;
  /** Samples averaged into the adjustment term; 0 disables it (serf: 20). */
  readonly adjustmentWindowSize: number;
  /** Floor of the height, seconds (serf: 10 µs). */
  readonly heightMin: number;
  /** RTT samples per peer whose median is used (serf: 3). */
  readonly latencyFilterSize: number;
  /** Strength of the pull back towards the origin, seconds (serf: 150). */
  readonly gravityRho: number;
}

export const DEFAULT_COORDINATE_CONFIG: CoordinateConfig = Object.freeze({
  dimensionality: 8,
  vivaldiErrorMax: 1.5,
  vivaldiCE: 0.25,
  vivaldiCC: 0.25,
  adjustmentWindowSize: 20,
  heightMin: 10.0e-6,
  latencyFilterSize: 3,
  gravityRho: 150.0,
});

/** Consul's JSON shape (`Coord` in /v1/coordinate/*, /v1/agent/self). */
export interface Coordinate {
  Vec: number[];
  Error: number;
  Adjustment: number;
  Height: number;
}

/** Two coordinates closer than this are "on top of each other". */
const ZERO_THRESHOLD = 1.0e-6;

export function newCoordinate(config: CoordinateConfig = DEFAULT_COORDINATE_CONFIG): Coordinate {
  return { Vec: new Array<number>(config.dimensionality).fill(0), Error: config.vivaldiErrorMax, Adjustment: 0, Height: config.heightMin };
}

export function cloneCoordinate(c: Coordinate): Coordinate {
  return { Vec: [...c.Vec], Error: c.Error, Adjustment: c.Adjustment, Height: c.Height };
}

export function isValidCoordinate(c: Coordinate): boolean {
  return c.Vec.every(Number.isFinite) && Number.isFinite(c.Error) && Number.isFinite(c.Adjustment) && Number.isFinite(c.Height);
}

export function isCompatible(a: Coordinate, b: Coordinate): boolean {
  return a.Vec.length === b.Vec.length;
}

/** Vector distance plus both heights, seconds (no adjustments). */
export function rawDistance(a: Coordinate, b: Coordinate): number {
  let sum = 0;
  for (let i = 0; i < a.Vec.length; i++) {
    const d = a.Vec[i]! - (b.Vec[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum) + a.Height + b.Height;
}

/** The estimated round trip time between two nodes, seconds. Incompatible coordinates: Infinity. */
export function distance(a: Coordinate, b: Coordinate): number {
  if (!isCompatible(a, b)) return Number.POSITIVE_INFINITY;
  const raw = rawDistance(a, b);
  const adjusted = raw + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : raw;
}

/**
 * `c` pushed by `force` seconds along the line from `other` (a negative force pulls it closer).
 * The height grows or shrinks in proportion, never below heightMin.
 */
export function applyForce(config: CoordinateConfig, random: Random, c: Coordinate, force: number, other: Coordinate): Coordinate {
  const out = cloneCoordinate(c);
  const { unit, magnitude } = unitVectorAt(c.Vec, other.Vec, random);
  for (let i = 0; i < out.Vec.length; i++) out.Vec[i] = out.Vec[i]! + unit[i]! * force;
  if (magnitude > ZERO_THRESHOLD) {
    out.Height = Math.max(((out.Height + other.Height) * force) / magnitude + out.Height, config.heightMin);
  }
  return out;
}

/** The unit vector from `b` towards `a` and the distance between them; random when they coincide. */
function unitVectorAt(a: readonly number[], b: readonly number[], random: Random): { unit: number[]; magnitude: number } {
  const diff = a.map((v, i) => v - (b[i] ?? 0));
  const mag = norm(diff);
  if (mag > ZERO_THRESHOLD) return { unit: diff.map((v) => v / mag), magnitude: mag };
  const rand = diff.map(() => random.float() - 0.5);
  const randMag = norm(rand);
  if (randMag > ZERO_THRESHOLD) return { unit: rand.map((v) => v / randMag), magnitude: 0 };
  const unit = new Array<number>(a.length).fill(0);
  unit[0] = 1;
  return { unit, magnitude: 0 };
}

function norm(v: readonly number[]): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}
