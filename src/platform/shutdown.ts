import type { Logger } from './logger.ts';

export interface ShutdownOptions {
  readonly logger: Logger;
  /**
   * How long `close` may take before the process gives up on it and exits
   * with 1. Set it above the close routine's own bound so that one normally
   * wins; this is the backstop for a close that hangs outright.
   */
  readonly timeoutMs: number;
  readonly signals?: readonly NodeJS.Signals[];
  /** Replaced in tests. */
  readonly exit?: (code: number) => void;
}

/**
 * Turns SIGINT/SIGTERM into an orderly stop: `close` stops accepting work,
 * lets in-flight work finish and closes the database; then the process
 * exits 0. A close that fails or hangs exits 1, and a second signal while
 * closing (an impatient Ctrl+C) exits 1 at once. Returns a function that
 * removes the handlers.
 */
export function exitOnSignal(close: () => Promise<void>, options: ShutdownOptions): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const { logger } = options;
  let shuttingDown = false;

  const finish = (code: number) => {
    logger.flush();
    exit(code);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      finish(1);
      return;
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const backstop = setTimeout(() => {
      logger.error({ timeout_ms: options.timeoutMs }, 'shutdown did not finish in time: exiting');
      finish(1);
    }, options.timeoutMs);
    backstop.unref();
    close().then(
      () => {
        clearTimeout(backstop);
        logger.info('stopped');
        finish(0);
      },
      (error: unknown) => {
        clearTimeout(backstop);
        logger.error({ err: error }, 'shutdown failed');
        finish(1);
      },
    );
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}

/**
 * An exception nobody caught leaves the process in an unknown state: log it
 * through the logger (so it is redacted like every other line — Node's own
 * crash report would print the raw message, card number and all) and exit 1
 * at once. Open database transactions roll back on their own; the caller's
 * supervisor restarts the process.
 */
export function exitOnFatalError(logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onException = (error: unknown) => {
    logger.fatal({ err: error }, 'uncaught exception: exiting');
    logger.flush();
    exit(1);
  };
  const onRejection = (reason: unknown) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection: exiting');
    logger.flush();
    exit(1);
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
