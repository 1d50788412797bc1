import type { Logger } from './logger.ts';

/**
 * Periodic maintenance work (the ledger's expiry sweeper, the journal sealer,
 * the job queue's poller). Each task runs every `intervalMs`, measured from
 * the end of its previous run, so a slow run never overlaps the next one and
 * a stalled database does not pile up work. A failure is logged and the task
 * tries again at its next interval; it never takes the process down.
 */
export interface BackgroundTask {
  readonly name: string;
  readonly intervalMs: number;
  run(): Promise<void>;
}

export interface TaskRunner {
  /** The names of the tasks being run, for the start-up banner and logs. */
  readonly names: readonly string[];
  /** Stops scheduling and waits for runs already under way to finish. */
  stop(): Promise<void>;
}

// A task failing on every run (database down) would otherwise write a line
// per interval; after the first failure, at most one line per this period.
const FAILURE_LOG_PERIOD_MS = 60_000;
const MAX_INTERVAL_MS = 24 * 60 * 60 * 1_000;

export function startTasks(tasks: readonly BackgroundTask[], logger: Logger): TaskRunner {
  assertValid(tasks);
  let stopped = false;
  const running = new Set<Promise<void>>();
  const timers = new Map<string, NodeJS.Timeout>();

  for (const task of tasks) {
    let consecutiveFailures = 0;
    let lastFailureLogMs = -Infinity;

    const schedule = () => {
      if (stopped) return;
      timers.set(task.name, setTimeout(tick, task.intervalMs));
    };

    const tick = () => {
      timers.delete(task.name);
      if (stopped) return;
      const run = (async () => {
        try {
          await task.run();
          if (consecutiveFailures > 0) {
            logger.info({ task: task.name, failures: consecutiveFailures }, 'background task recovered');
            consecutiveFailures = 0;
            lastFailureLogMs = -Infinity;
          }
        } catch (error) {
          consecutiveFailures++;
          const nowMs = Date.now();
          if (nowMs - lastFailureLogMs >= FAILURE_LOG_PERIOD_MS) {
            lastFailureLogMs = nowMs;
            logger.error({ err: error, task: task.name, failures: consecutiveFailures }, 'background task failed');
          }
        }
      })();
      running.add(run);
      void run.finally(() => {
        running.delete(run);
        schedule();
      });
    };

    schedule();
  }

  return {
    names: tasks.map((task) => task.name),
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}

function assertValid(tasks: readonly BackgroundTask[]): void {
  const names = new Set<string>();
  for (const task of tasks) {
    if (names.has(task.name)) throw new Error(`two background tasks are named ${task.name}`);
    names.add(task.name);
    if (!Number.isSafeInteger(task.intervalMs) || task.intervalMs < 1 || task.intervalMs > MAX_INTERVAL_MS) {
      throw new Error(`background task ${task.name} needs an interval of 1 ms to 24 h, got ${task.intervalMs}`);
    }
  }
}
