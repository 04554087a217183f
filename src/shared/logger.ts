import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** One structured logger for the agent; modules take a child with their own `module` field. */
export type Logger = PinoLogger;

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Renders pino's JSON lines the way Consul's agent prints for people:
 * `2026-11-25T05:00:00.000Z [INFO]  http: agent started: node=dev1 http=8500`.
 */
export function humanLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, module, ...fields } = record;
  const levelName = `[${LEVEL_NAMES[level as number] ?? String(level)}]`.padEnd(8);
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(time)} ${levelName}${module ? `${String(module)}: ` : 'agent: '}${String(msg ?? '')}${extra ? `: ${extra}` : ''}`;
}

function humanStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = chunk.toString().split('\n').filter(Boolean);
      out.write(lines.map(humanLine).join('\n') + '\n');
      done();
    },
  });
}

export function createLogger(options: { level: LogLevel; json?: boolean; destination?: NodeJS.WritableStream }): Logger {
  const out = options.destination ?? process.stderr;
  const destination = (options.json ? out : humanStream(out)) as DestinationStream;
  return pino({ level: options.level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A logger that discards everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
