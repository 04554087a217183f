/**
 * Operating errors: expected failures caused by input or circumstance. Each carries a stable
 * `code`; boundaries (HTTP, DNS, CLI) map the code to a status, never the message text.
 * Invariant violations are not AppErrors: they go through `assert` and crash.
 */
export type ErrorCode =
  | 'BAD_REQUEST' // the caller sent something malformed or invalid
  | 'NOT_FOUND' // the named thing does not exist
  | 'TOO_LARGE' // a body or value exceeds its limit
  | 'METHOD_NOT_ALLOWED'
  | 'UNAVAILABLE' // no leader, agent unreachable, shutting down
  | 'CONFIG' // a configuration file or flag is invalid
  | 'INTERNAL';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const badRequest = (message: string): AppError => new AppError('BAD_REQUEST', message);
export const notFound = (message: string): AppError => new AppError('NOT_FOUND', message);

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Human text of any thrown value, for logs and one-line CLI errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
