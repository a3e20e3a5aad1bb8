import { hash } from "node:crypto";
import { hasInexactNumbers } from "../json/upstream-numbers.js";
import { canonicalJson, UnreadableDefinition } from "./canonical-json.js";

// What a pin covers: the fields a model reads or a client acts on. Other
// fields (icons, _meta, execution) change freely; so does the order of tools.

export const PINNED_FIELDS = ["name", "title", "description", "inputSchema", "outputSchema", "annotations"] as const;

const INEXACT = "the list that carried it has long numbers and cannot be read exactly (duplicate keys or deep nesting)";

export interface ToolDefinition {
  name: string;
  /** Canonical JSON of the pinned fields present (absent and null differ). */
  text: string;
  /** sha256 of `text`, hex. */
  hash: string;
}

export type ReadDefinition = { ok: true; definition: ToolDefinition } | { ok: false; name: string; problem: string };

export function hashText(text: string): string {
  return hash("sha256", text, "hex");
}

/** The pinned fields in canonical (sorted) order. */
const SORTED_FIELDS = [...PINNED_FIELDS].sort();

/** The pinned part of one listed tool (whose name is a string), canonical and hashed. */
export function readDefinition(tool: Record<string, unknown>, name: string): ReadDefinition {
  if (hasInexactNumbers(tool)) return { ok: false, name, problem: INEXACT };
  let text: string;
  try {
    text = canonicalTool(tool);
  } catch (error) {
    if (error instanceof UnreadableDefinition) return { ok: false, name, problem: error.message };
    throw error;
  }
  return { ok: true, definition: { name, text, hash: hashText(text) } };
}

/** Encoded from the tool itself, where the reader hung the literals of its fields' numbers; absent fields are left out. */
function canonicalTool(tool: Record<string, unknown>): string {
  let out = "{";
  for (const field of SORTED_FIELDS) {
    const value = Object.hasOwn(tool, field) ? tool[field] : undefined;
    if (value === undefined) continue;
    out += `${out.length === 1 ? "" : ","}"${field}":${canonicalJson(value, tool, field)}`;
  }
  return `${out}}`;
}
