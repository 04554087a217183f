/**
 * Non-fatal findings while loading configuration (ignored keys, odd-but-legal values). Loading
 * happens before the logger exists — its level is itself configuration — so notes are handed to
 * a sink and the caller logs them once it has a logger.
 */
export interface ConfigNote {
  level: 'debug' | 'warn';
  message: string;
}

export type NoteSink = (note: ConfigNote) => void;
