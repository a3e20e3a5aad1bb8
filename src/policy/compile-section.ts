import { escapePointerToken } from "../json/scan-json.js";
import { checkPattern, checkUriPattern, compileGlob, isGlob, NAME_GLOBS, URI_GLOBS } from "./glob.js";
import { foldName, SECTION, type TargetKind } from "./target.js";
import type { CompiledLimit, CompiledRule, CompiledSection, Glob, GlobSyntax, PolicyProblem, RuleIndex } from "./types.js";
import { normalisePattern } from "./uri.js";

// One kind's part of the policy, compiled: its hide entries, its rules keyed as
// they are compared, and its default. Tools, resources and prompts go through
// this one function; they differ only in how a key is read (a name, or a URI
// normalised by uri.ts) and in whether a folded index is kept for lax lookups.

export interface SectionInput {
  kind: TargetKind;
  defaultAction: "allow" | "deny";
  /** `hide` entries of this kind, with their index in the hide list and the prefix already removed. */
  hides: { pattern: string; index: number }[];
  rules: [string, unknown][];
  sharedLimits: CompiledLimit[];
  compileRule: (key: string, doc: unknown, pointer: string, syntax: GlobSyntax) => CompiledRule;
}

interface Key {
  text: string;
  glob: boolean;
}

const syntaxOf = (kind: TargetKind): GlobSyntax => (kind === "resource" ? URI_GLOBS : NAME_GLOBS);

/** The key as compared, or why it cannot be one. */
function readKey(kind: TargetKind, pattern: string): Key | { why: string } {
  if (kind !== "resource") {
    const bad = checkPattern(pattern, `${kind} name`);
    return bad ? { why: bad } : { text: pattern, glob: isGlob(pattern) };
  }
  const bad = checkUriPattern(pattern);
  if (bad) return { why: bad };
  const normal = normalisePattern(pattern);
  return normal.ok ? { text: normal.text, glob: isGlob(normal.text, URI_GLOBS) } : { why: normal.why };
}

const emptyIndex = (): RuleIndex => ({ hideExact: new Map(), hideGlobs: [], exact: new Map(), globs: [] });

export function compileSection(input: SectionInput, problems: PolicyProblem[]): CompiledSection {
  const { kind } = input;
  const syntax = syntaxOf(kind);
  const noun = kind === "resource" ? "resource URI or pattern" : `${kind} name or pattern`;
  const index = emptyIndex();
  const folded = kind === "tool" ? undefined : emptyIndex();
  const hidePrefix = SECTION[kind].hidePrefix;

  for (const { pattern, index: i } of input.hides) {
    const pointer = `/hide/${i}`;
    const key = readKey(kind, pattern);
    if ("why" in key) {
      problems.push({ pointer, message: `pattern ${JSON.stringify(hidePrefix + pattern)} ${key.why}` });
      continue;
    }
    addHide(index, key, pointer, syntax);
    if (folded) addHide(folded, { ...key, text: foldName(key.text) }, pointer, syntax);
  }

  const globs: { glob: Glob; rule: CompiledRule; order: number }[] = [];
  const foldedGlobs: typeof globs = [];
  const keysSeen = new Map<string, string>();
  const foldsSeen = new Map<string, string>();
  input.rules.forEach(([raw, doc], order) => {
    const pointer = `/${SECTION[kind].rules}/${escapePointerToken(raw)}`;
    const key = readKey(kind, raw);
    if ("why" in key) {
      problems.push({ pointer, message: `${noun} ${JSON.stringify(raw)} ${key.why}` });
      return;
    }
    const rule = input.compileRule(raw, doc, pointer, syntax);
    const same = keysSeen.get(key.text);
    if (same !== undefined) {
      problems.push({ pointer, message: `${JSON.stringify(raw)} names the same URI as ${JSON.stringify(same)}` });
      return;
    }
    keysSeen.set(key.text, raw);
    if (key.glob) globs.push({ glob: compileGlob(key.text, syntax), rule, order });
    else index.exact.set(key.text, rule);
    if (!folded) return;
    const fold = foldName(key.text);
    const twin = foldsSeen.get(fold);
    if (twin !== undefined) {
      const message = `${JSON.stringify(raw)} differs from ${JSON.stringify(twin)} only in case or Unicode form: a server that ignores case could not tell them apart; keep one`;
      problems.push({ pointer, message });
      return;
    }
    foldsSeen.set(fold, raw);
    if (key.glob) foldedGlobs.push({ glob: compileGlob(fold, syntax), rule, order });
    else folded.exact.set(fold, rule);
  });
  index.globs = sortGlobs(globs);
  if (folded) folded.globs = sortGlobs(foldedGlobs);

  const governed = input.hides.length > 0 || input.rules.length > 0 || input.defaultAction === "deny";
  return {
    kind,
    governed,
    defaultAction: input.defaultAction,
    defaultPointer: `/${SECTION[kind].default}`,
    sharedLimits: input.sharedLimits,
    ...index,
    folded,
  };
}

function addHide(index: RuleIndex, key: Key, pointer: string, syntax: GlobSyntax): void {
  if (key.glob) index.hideGlobs.push({ glob: compileGlob(key.text, syntax), pointer });
  else if (!index.hideExact.has(key.text)) index.hideExact.set(key.text, pointer);
}

function sortGlobs(globs: { glob: Glob; rule: CompiledRule; order: number }[]): { glob: Glob; rule: CompiledRule }[] {
  return globs.sort((a, b) => b.glob.literals - a.glob.literals || a.order - b.order).map(({ glob, rule }) => ({ glob, rule }));
}
