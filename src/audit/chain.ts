import { hash } from "node:crypto";
import { COLUMNS, type AuditRow } from "./record.js";

// The hash chain. Each record's hash is sha256 over the canonical encoding of
// all its columns but the hash itself, the previous record's hash included:
// a JSON array of the column values in COLUMNS order. JSON.stringify of an
// array of strings, numbers and nulls is deterministic and unambiguous (every
// string is quoted and escaped, the arity is fixed), so no crafted tool name,
// argument or id can make two different records encode alike.

/** The previous hash of the first record a file ever held. */
export const GENESIS = "0".repeat(64);

/** The columns the hash covers, in order: all but the hash itself. */
const CHAINED = COLUMNS.filter((c) => c !== "hash");

export function canonicalEncoding(row: Omit<AuditRow, "hash">): string {
  // Two records a call, written on the writer thread: a plain loop, no intermediate arrays.
  const values: unknown[] = new Array(CHAINED.length);
  for (let i = 0; i < CHAINED.length; i++) values[i] = (row as Record<string, unknown>)[CHAINED[i] as string] ?? null;
  return JSON.stringify(values);
}

export function hashRecord(row: Omit<AuditRow, "hash">): string {
  return hash("sha256", canonicalEncoding(row), "hex");
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Text as SQLite will give it back: SQLite stores UTF-8, so a lone surrogate
 * (valid in a JSON string, not in UTF-8) would come back as U+FFFD and the
 * record's hash would no longer match. Hashing what is stored keeps verify honest.
 */
export function storable(text: string): string {
  // Most text has no surrogate at all, and the simple test is the cheaper scan.
  return ANY_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, "\uFFFD") : text;
}
