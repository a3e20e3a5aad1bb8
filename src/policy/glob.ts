import type { Glob } from "./types.js";

// Tool-name globs: `*` any run of characters, `?` one character, everything
// else literal and case-sensitive. Matching is on the exact name: tool names
// are never case-folded or normalised.

export function isGlob(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}

/** Why a pattern cannot be a tool name or glob, or undefined when it can. */
export function checkPattern(pattern: string): string | undefined {
  if (/\s/.test(pattern)) return "contains whitespace, which no tool name has";
  if (/[[\]{}]/.test(pattern)) return "uses [ ] or { }: only * and ? are wildcards";
  return undefined;
}

export function compileGlob(pattern: string): Glob {
  let source = "";
  let literals = 0;
  for (const char of pattern) {
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      literals++;
    }
  }
  return { pattern, regex: new RegExp(`^${source}$`, "u"), literals };
}
