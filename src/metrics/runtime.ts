import type { Clock, Timer } from '../shared/clock.js';
import type { MetricsRegistry } from './registry.js';

/**
 * go-metrics' runtime gauges, where Node has the same figure: `runtime.alloc_bytes` (Go's heap
 * in use: V8's heapUsed) and `runtime.sys_bytes` (memory taken from the OS: the RSS). Go's
 * heap_objects, malloc_count, free_count and num_goroutines have no honest Node counterpart and
 * are left out. Set every second, as go-metrics' ProfileInterval does, so every interval has them.
 */

/** The figures read; the agent passes process.memoryUsage. */
export interface MemoryFigures {
  heapUsed: number;
  rss: number;
}

const EVERY_MS = 1_000;

export function startRuntimeMetrics(registry: MetricsRegistry, clock: Clock, memory: () => MemoryFigures): Timer {
  const alloc = registry.gauge('runtime.alloc_bytes', { help: 'Bytes of JavaScript heap in use (V8 heapUsed).' });
  const sys = registry.gauge('runtime.sys_bytes', { help: 'Resident set size of the agent process, in bytes.' });
  const collect = (): void => {
    const figures = memory();
    alloc.set(figures.heapUsed);
    sys.set(figures.rss);
  };
  collect();
  return clock.setInterval(collect, EVERY_MS);
}
