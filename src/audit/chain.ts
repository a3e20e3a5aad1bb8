import { createHash } from "node:crypto";
import { COLUMNS, type AuditRow } from "./record.js";

// The hash chain. Each record's hash is sha256 over the canonical encoding of
// all its columns but the hash itself, the previous record's hash included:
// a JSON array of the column values in COLUMNS order. JSON.stringify of an
// array of strings, numbers and nulls is deterministic and unambiguous (every
// string is quoted and escaped, the arity is fixed), so no crafted tool name,
// argument or id can make two different records encode alike.

/** The previous hash of the first record a file ever held. */
export const GENESIS = "0".repeat(64);

export function canonicalEncoding(row: Omit<AuditRow, "hash">): string {
  return JSON.stringify(COLUMNS.filter((c) => c !== "hash").map((c) => (row as Record<string, unknown>)[c] ?? null));
}

export function hashRecord(row: Omit<AuditRow, "hash">): string {
  return createHash("sha256").update(canonicalEncoding(row)).digest("hex");
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as SQLite will give it back: SQLite stores UTF-8, so a lone surrogate
 * (valid in a JSON string, not in UTF-8) would come back as U+FFFD and the
 * record's hash would no longer match. Hashing what is stored keeps verify honest.
 */
export function storable(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
