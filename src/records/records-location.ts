import { resolve } from "node:path";
import { stateUrlScheme } from "../limits/redis-url.js";

// Where this machine's records live. With a SQLite --state they share its file
// (in tables of their own); with a Redis --state (counters shared by a team)
// they stay on this machine: the default per-user file, or --records.

export interface RecordsLocation {
  file: string;
  /** Only the default per-user location's directory is created. */
  createDirectory: boolean;
  /** The options another command needs to reach the same file (for the commands the wrapper prints). */
  flags: string[];
}

export interface RecordsOptions {
  state?: string;
  records?: string;
}

/** `redis://...`, `rediss://...`, `redis+unix://...`: a store elsewhere, never a file (as --state reads it). */
export function isStateUrl(state: string): boolean {
  return stateUrlScheme(state) !== undefined;
}

export function locateRecords(options: RecordsOptions, defaultFile: () => string): RecordsLocation {
  if (options.records) {
    const file = resolve(options.records);
    return { file, createDirectory: false, flags: ["--records", file] };
  }
  if (options.state && !isStateUrl(options.state)) {
    const file = resolve(options.state);
    return { file, createDirectory: false, flags: ["--state", file] };
  }
  return { file: defaultFile(), createDirectory: true, flags: [] };
}

/** A word a POSIX shell reads back as itself. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
