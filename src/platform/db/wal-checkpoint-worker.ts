// The WAL checkpointer's thread (see wal-checkpointer.ts, which starts it:
// the compiled .js from dist/, or this .ts through tsx when running from source).
//
// It holds its own connection to the database file and, when asked, runs a
// PASSIVE checkpoint: it copies committed WAL frames into the database file
// and syncs it, concurrently with the writer and without taking its lock.
// SQLite syncs the WAL before it copies anything, so nothing is copied that
// is not durable, and it syncs the database file before it counts the
// frames as copied, so the WAL is never overwritten before its frames are
// safely in the database file.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

type Request = { type: 'pass'; id: number } | { type: 'stop' };
type Reply =
  | { type: 'passed'; id: number; busy: boolean; logFrames: number; checkpointedFrames: number; ms: number }
  | { type: 'failed'; id: number; message: string };
interface CheckpointResult {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

const port = parentPort;
if (port === null) throw new Error('wal-checkpoint-worker runs as a worker thread');
const reply = (message: Reply) => port.postMessage(message);

const db = new Database((workerData as { filename: string }).filename, { fileMustExist: true });
// NORMAL: in WAL mode a checkpoint still syncs the WAL before it copies and
// the database file after; only commits skip the sync, and this connection
// never commits.
db.pragma('synchronous = NORMAL');

port.on('message', (message: Request) => {
  if (message.type === 'stop') {
    db.close();
    port.close();
    return;
  }
  if (message.type !== 'pass') return;
  const started = performance.now();
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    if (result === undefined) throw new Error('wal_checkpoint returned no row');
    reply({
      type: 'passed',
      id: message.id,
      busy: result.busy === 1,
      logFrames: result.log,
      checkpointedFrames: result.checkpointed,
      ms: performance.now() - started,
    });
  } catch (error) {
    reply({ type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
});
