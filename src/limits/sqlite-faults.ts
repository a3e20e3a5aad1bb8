import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import { StoreFault } from "./store.js";

// SQLite's errors in words a user can act on. Only the SQLite store knows
// these codes; everything above it sees a StoreFault.

/** Below this much free space, an I/O error is taken for what it most likely is: a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/** `file`, when given, lets an I/O error be told apart from a full disk (SQLite reports ENOSPC as one when a sync or mapping fails). */
export function describeSqliteError(error: unknown, file?: string): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("SQLITE_IOERR") && file !== undefined && isNearlyFull(file))
    return `the disk is full (${error instanceof Error ? error.message : code})`;
  switch (code) {
    case "SQLITE_NOTADB":
    case "SQLITE_CORRUPT":
      return "the file is not a usable SQLite database (corrupt?)";
    case "SQLITE_READONLY":
      return "the file is read-only";
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return "the file stayed locked by another process past the busy timeout";
    case "SQLITE_FULL":
      return "the disk is full";
    case "SQLITE_CANTOPEN":
      return "the file cannot be opened (does its directory exist?)";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function isNearlyFull(file: string): boolean {
  try {
    const stats = statfsSync(dirname(file));
    return stats.bavail * stats.bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}

/** Runs a store operation, turning whatever SQLite throws into a StoreFault. */
export function asStoreFault<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof StoreFault) throw error;
    throw new StoreFault(`${what}: ${describeSqliteError(error)}`, { cause: error });
  }
}
