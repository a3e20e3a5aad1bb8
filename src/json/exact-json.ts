import { scanJson } from "./scan-json.js";

// JSON text taken as written, not through a parse: a parse rounds
// 9007199254740993, writes 1e400 as null and -0 as 0, while the upstream reads
// the bytes the wrapper forwarded. The audit trail and the approval question
// keep what the upstream reads.

/** Deep enough for any message the relay accepts (it refuses nesting deeper than 1000). */
const MAX_DEPTH = 1001;
/** Stands for the n-th number literal while keys are sorted: a lone surrogate, which no checked client message holds. */
const NUMBER_MARK = "\ud800";

/** The text of a top-level member of an object's JSON text, exactly as written; undefined when absent. */
export function memberText(text: string, key: string): string | undefined {
  const scan = scanJson(text, { maxDepth: MAX_DEPTH });
  // The relay checked this text already; a scan that fails here has nothing to offer but an error.
  if (!scan.ok) throw new Error(`the forwarded request cannot be read again: ${scan.message}`);
  return scan.topLevel === "object" ? scan.members.get(key) : undefined;
}

/** The exact text of a request's `params.arguments`, or `{}` when it has none. */
export function argumentsText(requestText: string): string {
  const params = memberText(requestText, "params");
  return (params === undefined ? undefined : memberText(params, "arguments")) ?? "{}";
}

/**
 * Canonical JSON (keys sorted, no whitespace, as RFC 8785 orders them) of
 * checked JSON text, with every number literal kept as written: `1.0` and `1`
 * differ here as they do to a Python server (a float and an int).
 */
export function canonicalExactJson(text: string): string {
  const literals: string[] = [];
  return encode(JSON.parse(markNumbers(text, literals)) as unknown, literals);
}

function markNumbers(text: string, literals: string[]): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, past escapes.
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && /[0-9eE+\-.]/.test(text[end] as string)) end++;
      out += `${text.slice(from, i)}"\\ud800${literals.length}"`;
      literals.push(text.slice(i, end));
      from = i = end;
    } else i++;
  }
  return out + text.slice(from);
}

function encode(value: unknown, literals: string[]): string {
  if (typeof value === "string")
    return value.startsWith(NUMBER_MARK) ? (literals[Number(value.slice(1))] as string) : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => encode(v, literals)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(record[k], literals)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
