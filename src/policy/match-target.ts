import { foldName, type TargetKind } from "./target.js";
import type { CompiledRule, CompiledSection, RuleIndex } from "./types.js";
import { readUri } from "./uri.js";

// The one matcher: which hide entry and which rule a target falls under, in
// each of the readings a server might give its name. A tool has one reading,
// its exact name (tool names are never folded). A prompt is also read folded
// (target.ts foldName), as a server that ignores case would look it up. A
// resource URI is read literally and resolved (uri.ts), and each of those
// folded too: file systems on macOS and Windows ignore case. The evaluator
// judges every reading and keeps the strictest verdict.

export interface Reading {
  /** The name or URI in this reading. */
  name: string;
  /** The index it is looked up in: the section itself, or its folded twin. */
  index: RuleIndex;
}

export type Readings = { ok: true; readings: Reading[] } | { ok: false; why: string };

export function readTarget(section: CompiledSection, kind: TargetKind, name: string): Readings {
  if (kind === "tool" || !section.folded) return { ok: true, readings: [{ name, index: section }] };
  let names = [name];
  let folds = [foldName(name)];
  if (kind === "resource") {
    const uri = readUri(name);
    if (!uri.ok) return uri;
    names = uri.readings;
    const folded = foldedReadings(uri.readings);
    if (!folded.ok) return folded;
    folds = folded.names;
  }
  const folded = section.folded;
  return {
    ok: true,
    readings: [...names.map((n) => ({ name: n, index: section })), ...unique(folds).map((n) => ({ name: n, index: folded }))],
  };
}

/**
 * Each reading folded, and the readings of each fold, folded: NFKC turns
 * `\uFF0F\uFF0E\uFF0E\uFF0F` into `/../`, and `%4A` decodes to an upper-case
 * letter, so a folded URI is read again.
 */
function foldedReadings(readings: string[]): { ok: true; names: string[] } | { ok: false; why: string } {
  const names: string[] = [];
  for (const reading of readings) {
    const fold = foldName(reading);
    names.push(fold);
    if (fold === reading) continue;
    const again = readUri(fold);
    if (!again.ok) return { ok: false, why: `${again.why}, once Unicode-normalised and case-folded` };
    names.push(...again.readings.map(foldName));
  }
  return { ok: true, names };
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

/** An exact key beats every glob; among globs the most literal characters win, then file order. */
export function findRule(index: RuleIndex, name: string): CompiledRule | undefined {
  return index.exact.get(name) ?? index.globs.find(({ glob }) => glob.regex.test(name))?.rule;
}

/** The pointer of the hide entry that hides the name, if any. */
export function hiddenBy(index: RuleIndex, name: string): string | undefined {
  return index.hideExact.get(name) ?? index.hideGlobs.find(({ glob }) => glob.regex.test(name))?.pointer;
}
