import { suggestName } from "../text/did-you-mean.js";
import { compileGlob } from "./glob.js";
import type { CompiledPolicy } from "./types.js";

// The names a policy writes (rule keys and hide entries, exact or glob) that
// match no tool the live server lists. Such a name is usually a typo
// (`get_env` for `get-env`) and then silently does nothing: a rule that never
// applies, a hide that hides nothing. Pure, so that `explain`, `validate
// --against` and the wrapper's start-up warning all say the same.

export interface UnmatchedName {
  /** Where the policy writes it: `/hide/0`, `/tools/get_env`. */
  pointer: string;
  /** The name or glob as written. */
  pattern: string;
  kind: "hide" | "rule";
  glob: boolean;
  /**
   * A live tool the pattern nearly names: for a name, the nearest within a
   * small edit distance or differing only in case and `-`/`_`/`.`; for a glob,
   * the first tool it would match if case and those separators were ignored.
   */
  suggestion?: string;
}

const loose = (text: string) => text.toLowerCase().replace(/[-_.]/g, "");

function looseGlobMatch(pattern: string, names: readonly string[]): string | undefined {
  const regex = compileGlob(loose(pattern)).regex;
  return names.find((name) => regex.test(loose(name)));
}

export function findUnmatchedNames(policy: CompiledPolicy, liveNames: readonly string[]): UnmatchedName[] {
  const live = new Set(liveNames);
  const unmatched: UnmatchedName[] = [];
  const exact = (kind: UnmatchedName["kind"], pattern: string, pointer: string) => {
    if (live.has(pattern)) return;
    const suggestion = suggestName(pattern, liveNames);
    unmatched.push(
      suggestion === undefined ? { pointer, pattern, kind, glob: false } : { pointer, pattern, kind, glob: false, suggestion },
    );
  };
  const glob = (kind: UnmatchedName["kind"], pattern: string, regex: RegExp, pointer: string) => {
    if (liveNames.some((name) => regex.test(name))) return;
    const suggestion = looseGlobMatch(pattern, liveNames);
    unmatched.push(suggestion === undefined ? { pointer, pattern, kind, glob: true } : { pointer, pattern, kind, glob: true, suggestion });
  };
  const tools = policy.sections.tool;
  for (const [name, pointer] of tools.hideExact) exact("hide", name, pointer);
  for (const { glob: g, pointer } of tools.hideGlobs) glob("hide", g.pattern, g.regex, pointer);
  for (const [name, rule] of tools.exact) exact("rule", name, rule.pointer);
  for (const { glob: g, rule } of tools.globs) glob("rule", g.pattern, g.regex, rule.pointer);
  return unmatched.sort((a, b) => comparePointers(a.pointer, b.pointer));
}

/** Hide entries in index order, then rules in pointer order: stable output whatever the compiled order. */
function comparePointers(a: string, b: string): number {
  const hide = /^\/hide\/(\d+)$/;
  const ha = hide.exec(a);
  const hb = hide.exec(b);
  if (ha && hb) return Number(ha[1]) - Number(hb[1]);
  if (ha || hb) return ha ? -1 : 1;
  return 0;
}

/** One line for a person; the caller escapes it for its terminal or log. */
export function describeUnmatchedName(name: UnmatchedName): string {
  const what = `${name.kind === "hide" ? "hides" : "has a rule for"} ${name.glob ? "the glob " : ""}${JSON.stringify(name.pattern)}`;
  const hint =
    name.suggestion === undefined
      ? ""
      : name.glob
        ? `; did you mean a pattern for ${JSON.stringify(name.suggestion)}?`
        : `; did you mean ${JSON.stringify(name.suggestion)}?`;
  return `${name.pointer}: the policy ${what}, which matches no tool the server lists${hint}`;
}
