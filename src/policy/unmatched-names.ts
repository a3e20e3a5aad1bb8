import { suggestName } from "../text/did-you-mean.js";
import { compileGlob } from "./glob.js";
import { readTarget, type Reading } from "./match-target.js";
import type { CompiledPolicy, CompiledSection, Glob, RuleIndex } from "./types.js";
import { shortestShared, templateItems } from "./uri-template.js";

// The names a policy writes (rule keys and hide entries, exact or glob) that
// match nothing the live server lists: no tool, no prompt, no resource and no
// URI a resource template can produce. Such a name is usually a typo
// (`get_env` for `get-env`) and then silently does nothing: a rule that never
// applies, a hide that hides nothing. Pure, so that `explain`, `validate
// --against` and the wrapper's warning all say the same. A kind is checked only
// when its list is known (the client may never have listed prompts).

export interface UnmatchedName {
  /** Where the policy writes it: `/hide/0`, `/tools/get_env`, `/resources/file:~1~1~1x`. */
  pointer: string;
  /** The name, URI or glob as written (a hide entry without its `resource:`/`prompt:` prefix). */
  pattern: string;
  kind: "hide" | "rule";
  glob: boolean;
  /** What it names: a tool when absent. */
  target?: "resource" | "prompt";
  /**
   * A live tool or prompt the pattern nearly names: for a name, the nearest within a
   * small edit distance or differing only in case and `-`/`_`/`.`; for a glob,
   * the first name it would match if case and those separators were ignored.
   */
  suggestion?: string;
}

/** What the server lists, per kind; a kind left out is not checked. */
export interface LiveTargets {
  tools?: readonly string[];
  prompts?: readonly string[];
  /** Resource URIs; checked together with templates (a pattern may match either). */
  resources?: readonly string[];
  templates?: readonly string[];
}

const loose = (text: string) => text.toLowerCase().replace(/[-_.]/g, "");

function looseGlobMatch(pattern: string, names: readonly string[]): string | undefined {
  const regex = compileGlob(loose(pattern)).regex;
  return names.find((name) => regex.test(loose(name)));
}

/** Unmatched names of tools (a list of names, as before) or of every kind the server's lists give. */
export function findUnmatchedNames(policy: CompiledPolicy, live: readonly string[] | LiveTargets): UnmatchedName[] {
  const targets: LiveTargets = Array.isArray(live) ? { tools: live as readonly string[] } : (live as LiveTargets);
  const unmatched: UnmatchedName[] = [];
  if (targets.tools) unmatched.push(...unmatchedNames(policy.sections.tool, targets.tools, undefined));
  if (targets.prompts) unmatched.push(...unmatchedNames(policy.sections.prompt, targets.prompts, "prompt"));
  if (targets.resources) unmatched.push(...unmatchedUris(policy.sections.resource, targets.resources, targets.templates ?? []));
  return unmatched.sort((a, b) => comparePointers(a.pointer, b.pointer));
}

function unmatchedNames(section: CompiledSection, liveNames: readonly string[], target: "prompt" | undefined): UnmatchedName[] {
  const live = liveNames.map((name) => readingsOf(section, name));
  const tests = matchers(section);
  const out: UnmatchedName[] = [];
  eachPattern(section, (kind, pattern, pointer, glob) => {
    const test = tests.get(pointer);
    if (test && live.some((readings) => readings.some(test))) return;
    const suggestion = glob ? looseGlobMatch(pattern, liveNames) : suggestName(pattern, liveNames);
    const fields: UnmatchedName = { pointer, pattern, kind, glob: glob !== undefined };
    if (target) fields.target = target;
    out.push(suggestion === undefined ? fields : { ...fields, suggestion });
  });
  return out;
}

function unmatchedUris(section: CompiledSection, uris: readonly string[], templates: readonly string[]): UnmatchedName[] {
  const live = uris.map((uri) => readingsOf(section, uri));
  const tests = matchers(section);
  const shapes = templates.map((t) => templateItems(t));
  const out: UnmatchedName[] = [];
  eachPattern(section, (kind, pattern, pointer, glob) => {
    const test = tests.get(pointer);
    if (test && live.some((readings) => readings.some(test))) return;
    // A pattern also applies when a template can produce a URI it matches.
    const asTemplate = (text: string) => templateItems(glob ? text.replaceAll("*", "{*}") : text);
    const alternatives = glob && pattern.endsWith("/*") ? [asTemplate(pattern), asTemplate(pattern.slice(0, -2))] : [asTemplate(pattern)];
    if (shapes.some((shape) => alternatives.some((alternative) => shortestShared(shape, alternative) !== undefined))) return;
    out.push({ pointer, pattern, kind, glob: glob !== undefined, target: "resource" });
  });
  return out;
}

/** Each hide entry and rule of a section, with its compiled glob when it is one. */
function eachPattern(
  section: CompiledSection,
  visit: (kind: UnmatchedName["kind"], pattern: string, pointer: string, glob?: Glob) => void,
) {
  for (const [name, pointer] of section.hideExact) visit("hide", name, pointer);
  for (const { glob, pointer } of section.hideGlobs) visit("hide", glob.pattern, pointer, glob);
  for (const [name, rule] of section.exact) visit("rule", name, rule.pointer);
  for (const { glob, rule } of section.globs) visit("rule", glob.pattern, rule.pointer, glob);
}

/** Per pointer, whether a reading of a name meets it: in the section's own index, or folded in its folded twin (match-target). */
function matchers(section: CompiledSection): Map<string, (reading: Reading) => boolean> {
  const tests = new Map<string, (reading: Reading) => boolean>();
  const add = (index: RuleIndex, pointer: string, meets: (name: string) => boolean) => {
    const before = tests.get(pointer);
    const test = (reading: Reading) => reading.index === index && meets(reading.name);
    tests.set(pointer, before ? (reading) => before(reading) || test(reading) : test);
  };
  for (const index of section.folded ? [section, section.folded] : [section]) {
    for (const [name, pointer] of index.hideExact) add(index, pointer, (n) => n === name);
    for (const { glob, pointer } of index.hideGlobs) add(index, pointer, (n) => glob.regex.test(n));
    for (const [name, rule] of index.exact) add(index, rule.pointer, (n) => n === name);
    for (const { glob, rule } of index.globs) add(index, rule.pointer, (n) => glob.regex.test(n));
  }
  return tests;
}

function readingsOf(section: CompiledSection, name: string): Reading[] {
  const read = readTarget(section, section.kind, name);
  return read.ok ? read.readings : [];
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
  const nothing =
    name.target === "resource"
      ? "matches no resource the server lists and no URI its templates can produce"
      : `matches no ${name.target ?? "tool"} the server lists`;
  const hint =
    name.suggestion === undefined
      ? ""
      : name.glob
        ? `; did you mean a pattern for ${JSON.stringify(name.suggestion)}?`
        : `; did you mean ${JSON.stringify(name.suggestion)}?`;
  return `${name.pointer}: the policy ${what}, which ${nothing}${hint}`;
}
