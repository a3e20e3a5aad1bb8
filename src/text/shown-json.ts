import { HIDDEN_CHARACTER } from "./visible-text.js";

// JSON text as a person approving a call must see it: what the upstream will
// read, not what JavaScript makes of it. JSON.parse and JSON.stringify turn
// 9007199254740993 into 9007199254740992, 1e400 into null and -0 into 0, while
// a Python or Go server reads each as written; and a string's U+202E or
// U+200B changes what a person sees without changing a byte they can spot.
// So the text is walked token by token: numbers are copied as written, each
// string is decoded and written again with every hidden character (see
// visible-text) as a \u escape. The result is JSON of the same meaning to any
// parser, with nothing in it that a person cannot see.

/** The walk stops here: a text that deep is shown flat (visibleJsonText). */
const MAX_DEPTH = 1000;

class NotJson extends Error {}

/**
 * The JSON text shown for a person: pretty-printed with `indent` spaces (as
 * JSON.stringify does), or compact when 0. Text that is not whole JSON (cut
 * short when stored) is shown as written, its hidden characters escaped.
 */
export function showJson(text: string, indent = 0): string {
  return showWholeJson(text, indent) ?? visibleJsonText(text);
}

/** As showJson, for text that is whole JSON; undefined for text that is not. */
export function showWholeJson(text: string, indent = 0): string | undefined {
  try {
    const walker = new Walker(text, indent);
    const out = walker.value(0);
    walker.end();
    return out;
  } catch (error) {
    if (error instanceof NotJson || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Each hidden character of JSON text as a \u escape (one per UTF-16 unit), which means the same inside a JSON string. */
export function visibleJsonText(text: string): string {
  return text.replace(HIDDEN_CHARACTER, (char) => {
    let out = "";
    for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return out;
  });
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SPACE = /[ \t\n\r]*/y;

class Walker {
  #at = 0;
  readonly #text: string;
  readonly #indent: number;

  constructor(text: string, indent: number) {
    this.#text = text;
    this.#indent = indent;
  }

  end(): void {
    this.#skipSpace();
    if (this.#at !== this.#text.length) throw new NotJson();
  }

  value(depth: number): string {
    if (depth > MAX_DEPTH) throw new NotJson();
    this.#skipSpace();
    const char = this.#text[this.#at];
    if (char === "{") return this.#container(depth, "{", "}", true);
    if (char === "[") return this.#container(depth, "[", "]", false);
    if (char === '"') return this.#string();
    for (const word of ["true", "false", "null"])
      if (this.#text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return word;
      }
    return this.#match(NUMBER);
  }

  #container(depth: number, open: string, close: string, keyed: boolean): string {
    this.#at++;
    this.#skipSpace();
    if (this.#text[this.#at] === close) {
      this.#at++;
      return `${open}${close}`;
    }
    const items: string[] = [];
    for (;;) {
      this.#skipSpace();
      let item = "";
      if (keyed) {
        item = this.#string();
        this.#skipSpace();
        if (this.#text[this.#at++] !== ":") throw new NotJson();
        item += this.#indent > 0 ? ": " : ":";
      }
      items.push(item + this.value(depth + 1));
      this.#skipSpace();
      const next = this.#text[this.#at++];
      if (next === close) break;
      if (next !== ",") throw new NotJson();
    }
    if (this.#indent === 0) return `${open}${items.join(",")}${close}`;
    const inner = " ".repeat(this.#indent * (depth + 1));
    return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${" ".repeat(this.#indent * depth)}${close}`;
  }

  /** A string token decoded and written again: the same meaning, hidden characters escaped. */
  #string(): string {
    const token = this.#match(STRING);
    return visibleJsonText(JSON.stringify(JSON.parse(token) as string));
  }

  #match(pattern: RegExp): string {
    pattern.lastIndex = this.#at;
    const match = pattern.exec(this.#text);
    if (!match || match[0].length === 0) throw new NotJson();
    this.#at += match[0].length;
    return match[0];
  }

  #skipSpace(): void {
    SPACE.lastIndex = this.#at;
    SPACE.exec(this.#text);
    this.#at = SPACE.lastIndex;
  }
}
