// Case folding for object keys, as the laxest common binders match them.
//
// Go's encoding/json binds a key to a struct field when the two are equal
// under Unicode simple case folding (ſ U+017F ~ s, K U+212A ~ k), Java's
// equalsIgnoreCase and .NET's OrdinalIgnoreCase compare upper- and lower-case
// forms per character (ı ~ I, İ ~ i). `toLowerCase()` alone misses all of
// these. The fold here maps each character to a representative of the class
// joined by single-character upper- and lower-case mappings, which holds every
// simple case folding pair (checked against the engine's /iu matching and
// Perl's Unicode tables in test/json/fold-key.test.ts), plus İ ~ i. Two keys
// this fold makes equal are refused together: a superset of what any of those
// binders confuses.

const TURKIC_DOTTED_I = 0x130;
const cache = new Map<number, string>();

function single(text: string): string | undefined {
  const first = text.codePointAt(0);
  return first !== undefined && text.length === (first > 0xffff ? 2 : 1) ? text : undefined;
}

function foldChar(cp: number): string {
  let folded = cache.get(cp);
  if (folded !== undefined) return folded;
  const char = String.fromCodePoint(cp);
  if (cp === TURKIC_DOTTED_I) folded = "i";
  else {
    // Upper then lower: one representative per class (e.g. K, k, K and ſ, s, S each land on one letter).
    const upper = single(char.toUpperCase()) ?? char;
    folded = single(upper.toLowerCase()) ?? upper;
  }
  cache.set(cp, folded);
  return folded;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The key as a case-insensitive binder sees it: equal folds mean the binder cannot tell the keys apart. */
export function foldKey(key: string): string {
  if (isAscii(key)) return key.toLowerCase();
  let out = "";
  for (const char of key) out += foldChar(char.codePointAt(0) as number);
  return out;
}
