import { createHash } from "node:crypto";
import type { ArgumentsMode } from "./record.js";

// How a call's arguments are kept: whole (up to ARGUMENT_CHARS characters of
// JSON, with the hash of all of them when cut), as a hash only, or not at all.
// The hash is over the arguments' canonical JSON (keys sorted, no whitespace,
// as RFC 8785 does), so that a user can check "were these the arguments?"
// without the log keeping them.

/** Full mode keeps at most this many characters of the arguments' JSON; the hash covers them all. */
export const ARGUMENT_CHARS = 16 * 1024;

export interface StoredArguments {
  text: string | null;
  hash: string | null;
  /** The full JSON's length, when the text was cut. */
  truncatedFrom?: number;
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function argumentsHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** The hash only where the text does not keep the arguments whole: in hash mode, and for arguments cut short. */
export function storeArguments(mode: ArgumentsMode, args: unknown): StoredArguments {
  if (mode === "none") return { text: null, hash: null };
  const value = args ?? {};
  if (mode === "hash") return { text: null, hash: argumentsHash(value) };
  const text = JSON.stringify(value);
  if (text.length <= ARGUMENT_CHARS) return { text, hash: null };
  return { text: text.slice(0, ARGUMENT_CHARS), hash: argumentsHash(value), truncatedFrom: text.length };
}
