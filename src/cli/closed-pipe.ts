/**
 * `cardlane … | head -3`: once the reader has what it wanted it closes the
 * pipe, and the CLI's next write fails with EPIPE. A C tool dies of SIGPIPE
 * there without a word; Node ignores SIGPIPE and instead emits the failure as
 * an 'error' event which, unhandled, prints a stack trace. Installed once at
 * the entry point so every command ends the way a Unix tool does: quietly,
 * with success (the reader got its lines; `set -o pipefail` scripts keep going).
 */
export const EXIT_READER_GONE = 0;

type Stream = Pick<NodeJS.WriteStream, 'on'>;

export interface ClosedPipeOptions {
  readonly stdout?: Stream;
  readonly stderr?: Stream;
  /** Replaced in tests. */
  readonly exit?: (code: number) => void;
  /** Whether a long-running command (`cardlane up`) stops in order on SIGTERM; replaced in tests. */
  readonly stopsOnSigterm?: () => boolean;
  readonly sigterm?: () => void;
}

export function endQuietlyOnClosedPipe(options: ClosedPipeOptions = {}): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stopsOnSigterm = options.stopsOnSigterm ?? (() => process.listenerCount('SIGTERM') > 0);
  const sigterm = options.sigterm ?? (() => process.kill(process.pid, 'SIGTERM'));
  let ending = false;
  const onError = (error: NodeJS.ErrnoException): void => {
    if (error.code !== 'EPIPE') throw error; // any other failure of the terminal is a real error: let Node report it
    // Writes still queued fail the same way while we stop: one stop is enough
    // (and a second SIGTERM would make the server's stop an abrupt one).
    if (ending) return;
    ending = true;
    // Nowhere left to write: stop rather than run on with output nobody reads.
    // A server stops as on SIGTERM (in-flight work finishes, the database
    // closes); a one-shot command simply ends.
    if (stopsOnSigterm()) sigterm();
    else exit(EXIT_READER_GONE);
  };
  (options.stdout ?? process.stdout).on('error', onError);
  (options.stderr ?? process.stderr).on('error', onError);
}
