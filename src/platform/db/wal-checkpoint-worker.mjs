// The WAL checkpointer's thread (see wal-checkpointer.ts). Plain JavaScript
// on purpose: a worker thread does not inherit the tsx loader that the
// `cardlane` executable registers, so it cannot be TypeScript.
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

const db = new Database(workerData.filename, { fileMustExist: true });
// NORMAL: in WAL mode a checkpoint still syncs the WAL before it copies and
// the database file after; only commits skip the sync, and this connection
// never commits.
db.pragma('synchronous = NORMAL');

parentPort.on('message', (message) => {
  if (message.type === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  if (message.type !== 'pass') return;
  const started = performance.now();
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({
      type: 'passed',
      id: message.id,
      busy: result.busy === 1,
      logFrames: result.log,
      checkpointedFrames: result.checkpointed,
      ms: performance.now() - started,
    });
  } catch (error) {
    parentPort.postMessage({ type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
});
