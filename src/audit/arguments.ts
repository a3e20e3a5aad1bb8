import { createHash } from "node:crypto";
import { argumentsText, canonicalExactJson } from "../json/exact-json.js";
import type { ArgumentsMode } from "./record.js";

// How a call's arguments are kept: whole (up to ARGUMENT_CHARS characters of
// JSON, with the hash of all of them when cut), as a hash only, or not at all.
// The text is cut from the request as forwarded, so numbers stay as written
// (9007199254740993, 1e400, -0: what the upstream read, not what a parse makes
// of them). The hash is over the arguments' canonical JSON (keys sorted, no
// whitespace, as RFC 8785 orders them, number literals as written), so that a
// user can check "were these the arguments?" without the log keeping them.

/** Full mode keeps at most this many characters of the arguments' JSON; the hash covers them all. */
export const ARGUMENT_CHARS = 16 * 1024;

export interface StoredArguments {
  text: string | null;
  hash: string | null;
  /** The full JSON's length, when the text was cut. */
  truncatedFrom?: number;
}

/** sha256 of the canonical form of the arguments' JSON text. */
export function argumentsHash(text: string): string {
  return createHash("sha256").update(canonicalExactJson(text)).digest("hex");
}

/** The hash only where the text does not keep the arguments whole: in hash mode, and for arguments cut short. */
export function storeArguments(mode: ArgumentsMode, request: string | undefined): StoredArguments {
  if (mode === "none") return { text: null, hash: null };
  const text = request === undefined ? "{}" : argumentsText(request);
  if (mode === "hash") return { text: null, hash: argumentsHash(text) };
  if (text.length <= ARGUMENT_CHARS) return { text, hash: null };
  return { text: text.slice(0, ARGUMENT_CHARS), hash: argumentsHash(text), truncatedFrom: text.length };
}
