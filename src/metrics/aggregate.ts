/**
 * The running figures of one counter or sample over one interval, kept as hashicorp/go-metrics'
 * AggregateSample keeps them: count, sum, sum of squares, min and max. Mean and standard
 * deviation are derived only when someone looks, so ingesting a value is five arithmetic
 * updates on numbers already in place — nothing is allocated.
 */
export class Aggregate {
  count = 0;
  sum = 0;
  sumSq = 0;
  min = 0;
  max = 0;

  ingest(value: number): void {
    this.count++;
    this.sum += value;
    this.sumSq += value * value;
    if (value < this.min || this.count === 1) this.min = value;
    if (value > this.max || this.count === 1) this.max = value;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The sample standard deviation (n − 1), by go-metrics' formula; 0 below two values. */
  stddev(): number {
    const divisor = this.count * (this.count - 1);
    if (divisor === 0) return 0;
    // Rounding can take the numerator a hair below zero for equal values; Go would answer NaN there.
    return Math.sqrt(Math.max(0, this.count * this.sumSq - this.sum * this.sum) / divisor);
  }
}
