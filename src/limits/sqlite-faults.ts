import { StoreFault } from "./store.js";

// SQLite's errors in words a user can act on. Only the SQLite store knows
// these codes; everything above it sees a StoreFault.

export function describeSqliteError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
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

/** Runs a store operation, turning whatever SQLite throws into a StoreFault. */
export function asStoreFault<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof StoreFault) throw error;
    throw new StoreFault(`${what}: ${describeSqliteError(error)}`, { cause: error });
  }
}
