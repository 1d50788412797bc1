import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/**
 * The data directory holds what a local user must not read: the database
 * (sign-in and card-reveal codes in flight, cardholders' personal data), its
 * `-wal` and `-shm` files, the keyring, the operator key and the demo
 * credentials. So the directory is 0700 and every file in it 0600, made so
 * when created and checked again at every start (`securePrivateData`),
 * because a directory made by an older Cardlane, copied with `cp -r` or
 * restored from a backup may be wider.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Any permission for the group or for others. */
const GROUP_OR_OTHER_BITS = 0o077;
/**
 * The directory and what is directly in it: a subdirectory is narrowed to
 * 0700 but not entered, since once it is 0700 nobody else can reach what it
 * holds — and a data directory pointed at a wrong place (a home, a project)
 * should lose as little of its files' sharing as possible.
 */
const MAX_DEPTH = 1;
const MAX_ENTRIES = 10_000;

/** Creates `dir` and any parent it needs with mode 0700; an existing directory is left as it is (`securePrivateData` judges it). */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Creates `path` empty with mode 0600 unless it exists (never truncates).
 * For SQLite: it gives its `-wal` and `-shm` files the mode of the database
 * file, so a database file created 0600 keeps its companions private too.
 */
export function touchPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}

/** A file or directory whose mode this start narrowed to the owner's. */
export interface TightenedPath {
  readonly path: string;
  readonly fromMode: number;
  readonly toMode: number;
}

/** A path other users can read that this process cannot make private: starting would expose it. */
export class DataDirExposedError extends Error {
  constructor(readonly path: string, mode: number, reason: string) {
    super(
      `${path} is open to other users (mode ${octal(mode)}) and ${reason}; Cardlane will not start on data other users can read. ` +
        `As its owner, run \`chmod ${mode & 0o040000 ? '700' : '600'} ${path}\` (or \`chmod -R go-rwx\` on the data directory), or start Cardlane as its owner.`,
    );
    this.name = 'DataDirExposedError';
  }
}

/**
 * Makes the data directory private: creates it 0700 if missing; then the
 * directory, every file and directory directly in it, and `extraFiles` (a
 * database file kept elsewhere, with its `-wal`/`-shm`), when they exist,
 * lose every group and other permission. Returns what it had to narrow (the
 * caller warns: something had left it open). Throws `DataDirExposedError`
 * for a path it cannot narrow (another user's). Symbolic links are not
 * followed: where one points is not the data directory's to change.
 */
export function securePrivateData(dataDir: string, extraFiles: readonly string[] = []): TightenedPath[] {
  // POSIX permissions only; Windows keeps access in ACLs this check does not read.
  if (process.platform === 'win32') return [];
  makePrivateDir(dataDir);
  const tightened: TightenedPath[] = [];
  let seen = 0;
  const visit = (path: string, depth: number) => {
    const stats = statOrNull(path);
    if (stats === null || stats.isSymbolicLink()) return;
    if (++seen > MAX_ENTRIES) return;
    const narrowed = narrow(path, stats);
    if (narrowed !== null) tightened.push(narrowed);
    if (stats.isDirectory() && depth < MAX_DEPTH) {
      for (const name of readdirSync(path)) visit(join(path, name), depth + 1);
    }
  };
  visit(dataDir, 0);
  // Visited again when inside the data directory: a second look finds nothing to narrow.
  for (const file of extraFiles) visit(file, MAX_DEPTH);
  return tightened;
}

/** The companions SQLite keeps next to a database file in WAL mode. */
export function sqliteFiles(databaseFile: string): string[] {
  return [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`];
}

function narrow(path: string, stats: Stats): TightenedPath | null {
  const mode = stats.mode & 0o7777;
  if ((mode & GROUP_OR_OTHER_BITS) === 0) return null;
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && stats.uid !== uid) {
    throw new DataDirExposedError(path, stats.mode, `belongs to user ${stats.uid}, not to this process's user (${uid})`);
  }
  const toMode = mode & ~GROUP_OR_OTHER_BITS;
  try {
    chmodSync(path, toMode);
  } catch (error) {
    throw new DataDirExposedError(path, stats.mode, `cannot be changed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { path, fromMode: mode, toMode };
}

function statOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** `0644`, as people read modes. */
export function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
