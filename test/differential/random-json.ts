import { foldKey } from "../../src/json/fold-key.js";
import type { Random } from "../helpers/random.js";

// Random JSON texts for the property tests, written the many ways a client may
// write the same value: random insignificant whitespace (CR and tab included,
// never LF, which ends the client's line), random escapes for any character,
// random key order, number literals of every shape.

const CHAR_POOLS = [
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.:/",
  '"\\/',
  "\u0000\u0001\b\t\n\u000b\f\r\u001b\u001f\u007f",
  "\u0085\u2028\u2029\u00a0\ufeff\u200b",
  "éßſKÅıİ中文ж",
  "😀𝄞\u{10400}",
];

const SHORT: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "/": "\\/",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

export class JsonWriter {
  readonly #r: Random;

  constructor(random: Random) {
    this.#r = random;
  }

  space(): string {
    if (this.#r.chance(0.6)) return "";
    let out = "";
    for (let n = 1 + this.#r.int(3); n > 0; n--) out += this.#r.pick([" ", "\t", "\r", "\r", " "]);
    return out;
  }

  text(max = 12): string {
    let out = "";
    for (let n = this.#r.int(max); n > 0; n--) out += this.#r.pick([...this.#r.pick(CHAR_POOLS)]);
    return out;
  }

  /** The string as a JSON string literal, each character written raw or escaped at random. */
  string(value: string): string {
    let out = '"';
    for (const char of value) {
      const code = char.codePointAt(0) as number;
      const mustEscape = code < 0x20 || char === '"' || char === "\\";
      if (!mustEscape && this.#r.chance(0.7)) out += char;
      else if (SHORT[char] !== undefined && this.#r.chance(0.5)) out += SHORT[char];
      else {
        const units = code > 0xffff ? [0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff)] : [code];
        for (const unit of units) {
          const hex = unit.toString(16).padStart(4, "0");
          out += `\\u${this.#r.chance(0.5) ? hex : hex.toUpperCase()}`;
        }
      }
    }
    return `${out}"`;
  }

  number(): string {
    const digits = (n: number) => Array.from({ length: n }, () => this.#r.int(10)).join("");
    const int = this.#r.chance(0.2) ? "0" : `${1 + this.#r.int(9)}${digits(this.#r.chance(0.1) ? 18 + this.#r.int(10) : this.#r.int(6))}`;
    let out = `${this.#r.chance(0.3) ? "-" : ""}${int}`;
    if (this.#r.chance(0.3)) out += `.${digits(1 + this.#r.int(this.#r.chance(0.1) ? 25 : 5))}`;
    if (this.#r.chance(0.2)) out += `${this.#r.pick(["e", "E"])}${this.#r.pick(["", "+", "-"])}${digits(1 + this.#r.int(3))}`;
    return out;
  }

  value(depth: number): string {
    const kind = depth <= 0 ? this.#r.int(4) : this.#r.int(6);
    switch (kind) {
      case 0:
        return this.string(this.text());
      case 1:
        return this.number();
      case 2:
        return this.#r.pick(["true", "false", "null"]);
      case 3:
        return this.string(this.text(3));
      case 4:
        return this.array(Array.from({ length: this.#r.int(4) }, () => this.value(depth - 1)));
      default:
        return this.object(this.entries(depth - 1));
    }
  }

  /** Random members whose keys no case-insensitive binder could confuse (the wrapper refuses those). */
  entries(depth: number, count = this.#r.int(5)): [string, string][] {
    const folds = new Set<string>();
    const out: [string, string][] = [];
    for (let n = 0; n < count; n++) {
      const key = this.text(6).replace(/\u0000/g, "");
      if (folds.has(foldKey(key))) continue;
      folds.add(foldKey(key));
      out.push([key, this.value(depth)]);
    }
    return out;
  }

  array(items: string[]): string {
    if (items.length === 0) return `[${this.space()}]`;
    return `[${items.map((item) => `${this.space()}${item}${this.space()}`).join(",")}]`;
  }

  object(entries: [string, string][]): string {
    if (entries.length === 0) return `{${this.space()}}`;
    const members = this.#r
      .shuffle(entries)
      .map(([key, value]) => `${this.space()}${this.string(key)}${this.space()}:${this.space()}${value}${this.space()}`);
    return `{${members.join(",")}}`;
  }
}
