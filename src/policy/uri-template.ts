import { globTokens, URI_GLOBS } from "./glob.js";
import type { Glob } from "./types.js";
import { readUri } from "./uri.js";

// URI templates (RFC 6570, as resources/templates/list carries them) seen as
// globs over the URIs they can produce: the literal text, with `*` for each
// {expression} whose value is not known. An expression can expand to any
// text (its value's reserved characters come percent-encoded, which the
// resolved reading decodes), so `*` is exact enough.
//
// A template is listed when some URI it can produce would be allowed; the
// URIs tried are the shortest URI the template shares with each hide or rule
// pattern, and the template filled with nothing and with "x". Each is judged by
// the evaluator like any read. Finding none hides the template; reads are
// always judged on the concrete URI, whatever the list showed.

/** Templates longer than this are listed without a search (a read is still judged on its URI). */
export const MAX_TEMPLATE_CHARS = 2048;
/** Stands for an expression while a template is judged; a template or value that holds it is refused (template-visibility). */
export const PLACEHOLDER = "\uE000";
const OPERATORS = new Set(["+", "#", ".", "/", ";", "?", "&"]);

const STAR = Symbol("*");
type Item = string | typeof STAR;

/** The template with known variables filled in, as items (characters and STAR) in the literal reading's form. */
export function templateItems(template: string, values: Record<string, string> = {}): Item[] {
  let text = "";
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open === -1) {
      text += template.slice(i).replaceAll(PLACEHOLDER, "");
      break;
    }
    text += template.slice(i, open).replaceAll(PLACEHOLDER, "");
    const close = template.indexOf("}", open);
    const body = template.slice(open + 1, close === -1 ? template.length : close);
    text += expand(body, values);
    i = close === -1 ? template.length : close + 1;
  }
  const read = readUri(text);
  const normal = read.ok ? read.literal : text;
  const items: Item[] = [];
  for (const char of normal) items.push(char === PLACEHOLDER ? STAR : char);
  return items;
}

/** The names of the variables a template's expressions use (`{+path}`, `{?a,b*}`, `{x:3}`). */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const [, body = ""] of template.matchAll(/\{([^}]*)\}?/g))
    for (const name of body.replace(/^[+#./;?&]/, "").split(",")) names.push(name.replace(/(:\d+|\*)$/, ""));
  return names;
}

/** One expression: its value with the operator's prefix when its one variable is known, else the placeholder. */
function expand(body: string, values: Record<string, string>): string {
  const operator = OPERATORS.has(body[0] ?? "") ? (body[0] as string) : "";
  const names = body
    .slice(operator.length)
    .split(",")
    .map((n) => n.replace(/(:\d+|\*)$/, ""));
  const value = names.length === 1 ? values[names[0] as string] : undefined;
  if (value === undefined) return PLACEHOLDER;
  const prefix = operator === "+" || operator === "" ? "" : operator === "?" || operator === "&" ? `${operator}${names[0]}=` : operator;
  return `${prefix}${value}`;
}

/** A glob's items, and for a folder glob (`.../x/*`) also the folder itself. */
function patternAlternatives(glob: Glob): Item[][] {
  const items = (pattern: string): Item[] =>
    globTokens(pattern, URI_GLOBS).flatMap((token): Item[] => ("literal" in token ? [...token.literal] : [STAR]));
  const whole = items(glob.pattern);
  return glob.syntax.dirStar && glob.pattern.endsWith("/*") ? [whole, items(glob.pattern.slice(0, -2))] : [whole];
}

/** The candidate URIs for a template: filled with nothing, with "x", and the shortest shared with each pattern. */
export function candidateUris(items: Item[], patterns: (Glob | string)[]): string[] {
  const fill = (filler: string) => items.map((item) => (item === STAR ? filler : item)).join("");
  const found = new Set([fill(""), fill("x")]);
  for (const pattern of patterns) {
    const alternatives = typeof pattern === "string" ? [[...pattern]] : patternAlternatives(pattern);
    for (const alternative of alternatives) {
      const shared = shortestShared(items, alternative);
      if (shared !== undefined) found.add(shared);
    }
  }
  return [...found];
}

/**
 * The shortest text both item lists match, if any: a search over pairs of
 * positions, level by level of characters written, where moving past a STAR
 * writes nothing.
 */
export function shortestShared(a: Item[], b: Item[]): string | undefined {
  const width = b.length + 1;
  const size = (a.length + 1) * width;
  const goal = a.length * width + b.length;
  const reached = new Uint8Array(size);
  const from = new Int32Array(size).fill(-1);
  const wrote = new Array<string>(size);
  let level = [0];
  reached[0] = 1;
  while (level.length > 0) {
    const all = [...level];
    const stack = [...level];
    const free = (state: number, next: number) => {
      if (reached[next]) return;
      reached[next] = 1;
      from[next] = state;
      wrote[next] = "";
      stack.push(next);
      all.push(next);
    };
    while (stack.length > 0) {
      const state = stack.pop() as number;
      const i = Math.floor(state / width);
      const j = state % width;
      if (a[i] === STAR) free(state, state + width);
      if (b[j] === STAR) free(state, state + 1);
    }
    if (reached[goal]) return rebuild(from, wrote, goal);
    const next: number[] = [];
    const write = (state: number, to: number, char: string) => {
      if (reached[to]) return;
      reached[to] = 1;
      from[to] = state;
      wrote[to] = char;
      next.push(to);
    };
    for (const state of all) {
      const i = Math.floor(state / width);
      const j = state % width;
      const x = a[i];
      const y = b[j];
      if (typeof x === "string" && (y === x || y === STAR)) write(state, y === STAR ? state + width : state + width + 1, x);
      else if (x === STAR && typeof y === "string") write(state, state + 1, y);
    }
    level = next;
  }
  return undefined;
}

function rebuild(from: Int32Array, wrote: string[], goal: number): string {
  const out: string[] = [];
  for (let state = goal; state !== 0; state = from[state] as number) out.push(wrote[state] ?? "");
  return out.reverse().join("");
}
