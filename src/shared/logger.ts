import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** One structured logger for the agent; modules take a child with their own `module` field. */
export type Logger = PinoLogger;

export function createLogger(options: { level: LogLevel; json?: boolean; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { level: options.level, base: null, timestamp: pino.stdTimeFunctions.isoTime },
    (options.destination ?? process.stderr) as DestinationStream,
  );
}

/** A logger that discards everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
