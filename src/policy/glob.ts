import type { Glob, GlobSyntax } from "./types.js";

// Globs over names and URIs: `*` any run of characters (`/` included), and for
// names `?` one character; everything else literal and case-sensitive. In URI
// globs `?` is the query's own character, never a wildcard, and a pattern
// ending in `/*` also matches the directory itself (`file:///a/.aws/*` matches
// `file:///a/.aws`), so that protecting a folder protects its listing too.

export const NAME_GLOBS: GlobSyntax = { question: true, dirStar: false };
export const URI_GLOBS: GlobSyntax = { question: false, dirStar: true };

export function isGlob(pattern: string, syntax: GlobSyntax = NAME_GLOBS): boolean {
  return pattern.includes("*") || (syntax.question && pattern.includes("?"));
}

/** Why a pattern cannot be a tool or prompt name or glob, or undefined when it can. */
export function checkPattern(pattern: string, noun = "tool name"): string | undefined {
  if (/\s/.test(pattern)) return `contains whitespace, which no ${noun} has`;
  if (/[[\]{}]/.test(pattern)) return "uses [ ] or { }: only * and ? are wildcards";
  return undefined;
}

/** Why a pattern cannot be a resource URI or URI glob (before normalisation), or undefined when it can. */
export function checkUriPattern(pattern: string): string | undefined {
  if (/[{}]/.test(pattern)) return "uses { }: rules match the URIs a template produces; write * where the template has {...}";
  return undefined;
}

/** A glob's pieces: literal runs, `*` and (name globs) `?`. */
export type GlobToken = { literal: string } | { any: "*" | "?" };

export function globTokens(pattern: string, syntax: GlobSyntax): GlobToken[] {
  const tokens: GlobToken[] = [];
  let literal = "";
  for (const char of pattern) {
    if (char === "*" || (char === "?" && syntax.question)) {
      if (literal) tokens.push({ literal });
      literal = "";
      tokens.push({ any: char });
    } else literal += char;
  }
  if (literal) tokens.push({ literal });
  return tokens;
}

export function compileGlob(pattern: string, syntax: GlobSyntax = NAME_GLOBS): Glob {
  const dir = syntax.dirStar && pattern.endsWith("/*");
  const body = dir ? pattern.slice(0, -2) : pattern;
  let source = "";
  let literals = 0;
  for (const token of globTokens(body, syntax)) {
    if ("literal" in token) {
      source += token.literal.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      literals += [...token.literal].length;
    } else source += token.any === "*" ? "[\\s\\S]*" : "[\\s\\S]";
  }
  if (dir) {
    source += "(?:\\/[\\s\\S]*)?";
    literals += 1;
  }
  return { pattern, regex: new RegExp(`^${source}$`, "u"), literals, syntax };
}
