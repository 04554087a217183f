/**
 * One node's Vivaldi state (serf's coordinate.Client): its coordinate, a small latency filter
 * per peer (the median of the last few RTTs, so one slow packet does not throw the coordinate
 * off), the adjustment window and gravity towards the origin. Pure and deterministic given the
 * injected Random.
 */
import type { Random } from '../../shared/random.js';
import {
  DEFAULT_COORDINATE_CONFIG,
  applyForce,
  cloneCoordinate,
  distance,
  isCompatible,
  isValidCoordinate,
  newCoordinate,
  rawDistance,
  type Coordinate,
  type CoordinateConfig,
} from './coordinate.js';

/** serf refuses RTT samples outside [0, 10 s]. */
export const MAX_RTT_SECONDS = 10;
const ZERO_THRESHOLD = 1.0e-6;

export class VivaldiClient {
  private coord: Coordinate;
  private readonly origin: Coordinate;
  private readonly adjustmentSamples: number[];
  private adjustmentIndex = 0;
  private readonly latencySamples = new Map<string, number[]>();
  /** Times the coordinate went invalid (NaN/Infinity) and was reset. */
  resets = 0;

  constructor(
    private readonly random: Random,
    private readonly config: CoordinateConfig = DEFAULT_COORDINATE_CONFIG,
  ) {
    this.coord = newCoordinate(config);
    this.origin = newCoordinate(config);
    this.adjustmentSamples = new Array<number>(config.adjustmentWindowSize).fill(0);
  }

  coordinate(): Coordinate {
    return cloneCoordinate(this.coord);
  }

  /** Estimated RTT to `other`, seconds. */
  distanceTo(other: Coordinate): number {
    return distance(this.coord, other);
  }

  /** Forget a peer's latency samples (it left or was reaped). */
  forget(node: string): void {
    this.latencySamples.delete(node);
  }

  /**
   * One observation: `node`, whose coordinate is `other`, answered in `rttSeconds`. Returns the
   * updated coordinate, or throws when the input is unusable (the caller drops the sample).
   */
  update(node: string, other: Coordinate, rttSeconds: number): Coordinate {
    if (!isCompatible(this.coord, other)) throw new Error(`coordinate dimensionality ${other.Vec.length} does not match ${this.coord.Vec.length}`);
    if (!isValidCoordinate(other)) throw new Error('coordinate has non-finite components');
    if (!(rttSeconds >= 0 && rttSeconds <= MAX_RTT_SECONDS)) throw new Error(`round trip time ${rttSeconds}s is not within 0..${MAX_RTT_SECONDS}s`);
    const rtt = this.latencyFilter(node, rttSeconds);
    this.updateVivaldi(other, rtt);
    this.updateAdjustment(other, rtt);
    this.updateGravity();
    if (!isValidCoordinate(this.coord)) {
      this.resets++;
      this.coord = newCoordinate(this.config);
    }
    return this.coordinate();
  }

  private latencyFilter(node: string, rtt: number): number {
    const samples = this.latencySamples.get(node) ?? [];
    samples.push(rtt);
    if (samples.length > this.config.latencyFilterSize) samples.shift();
    this.latencySamples.set(node, samples);
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  private updateVivaldi(other: Coordinate, rttIn: number): void {
    const { config } = this;
    const rtt = Math.max(rttIn, ZERO_THRESHOLD);
    const dist = distance(this.coord, other);
    const wrongness = Math.abs(dist - rtt) / rtt;
    const totalError = Math.max(this.coord.Error + other.Error, ZERO_THRESHOLD);
    const weight = this.coord.Error / totalError;
    const error = config.vivaldiCE * weight * wrongness + this.coord.Error * (1 - config.vivaldiCE * weight);
    this.coord.Error = Math.min(error, config.vivaldiErrorMax);
    const force = config.vivaldiCC * weight * (rtt - dist);
    this.coord = applyForce(config, this.random, this.coord, force, other);
  }

  private updateAdjustment(other: Coordinate, rtt: number): void {
    const size = this.config.adjustmentWindowSize;
    if (size === 0) return;
    // The existing adjustments do not figure in: the raw distance is what the window corrects.
    this.adjustmentSamples[this.adjustmentIndex] = rtt - rawDistance(this.coord, other);
    this.adjustmentIndex = (this.adjustmentIndex + 1) % size;
    let sum = 0;
    for (const s of this.adjustmentSamples) sum += s;
    this.coord.Adjustment = sum / (2 * size);
  }

  private updateGravity(): void {
    const dist = distance(this.origin, this.coord);
    const force = -1 * Math.pow(dist / this.config.gravityRho, 2);
    this.coord = applyForce(this.config, this.random, this.coord, force, this.origin);
  }
}
