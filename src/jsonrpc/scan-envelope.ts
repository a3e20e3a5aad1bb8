// Reads the envelope of a large message straight from its bytes, in the
// chunks it arrived in. Decoding a
// 64 MB result to a string and parsing it costs about as much time and memory
// as relaying it; the relay only needs the id, and whether the message is a
// request, a notification, a result or an error. Strings are skipped with
// indexOf, so a large text result costs little more than the UTF-8 check.
//
// The scan checks the top-level object and that every nested string, object
// and array is closed; it does not check nested numbers and literals: those
// bytes are forwarded, not interpreted.

import type { ByteParts } from "./byte-parts.js";
import { PARSED_ON_DEMAND } from "./message.js";

export interface Envelope {
  /** Byte ranges of each top-level member's value. */
  members: Map<string, [number, number]>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class EnvelopeError extends Error {}

export function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index just past the string that starts at `start` (its opening quote). */
export function skipString(buf: ByteParts, start: number): number {
  let end = buf.indexOf(QUOTE, start + 1);
  for (;;) {
    if (end === -1) throw new EnvelopeError("unterminated string");
    let backslashes = 0;
    for (let k = end - 1; buf.at(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return end + 1;
    end = buf.indexOf(QUOTE, end + 1);
  }
}

/** Index just past the value that starts at `start`. */
export function skipValue(buf: ByteParts, start: number): number {
  const first = buf.at(start);
  if (first === QUOTE) return skipString(buf, start);
  if (first !== 0x7b && first !== 0x5b) {
    let i = start;
    for (let c = buf.at(i); c !== undefined && !isSpace(c) && c !== 0x2c && c !== 0x7d && c !== 0x5d; c = buf.at(i)) i++;
    if (i === start) throw new EnvelopeError("missing value");
    return i;
  }
  const closers: number[] = [];
  let i = start;
  while (i < buf.length) {
    const c = buf.at(i) as number;
    if (c === QUOTE) {
      i = skipString(buf, i);
      continue;
    }
    if (c === 0x7b) closers.push(0x7d);
    else if (c === 0x5b) closers.push(0x5d);
    else if (c === 0x7d || c === 0x5d) {
      if (closers.pop() !== c) throw new EnvelopeError("mismatched bracket");
      if (closers.length === 0) return i + 1;
    }
    i++;
  }
  throw new EnvelopeError("unterminated object or array");
}

export function scanEnvelope(buf: ByteParts): Envelope | undefined {
  try {
    const members = new Map<string, [number, number]>();
    let i = 0;
    const skipSpace = () => {
      while (isSpace(buf.at(i))) i++;
    };
    skipSpace();
    if (buf.at(i) !== 0x7b) return undefined;
    i++;
    skipSpace();
    if (buf.at(i) === 0x7d) i++;
    else {
      for (;;) {
        skipSpace();
        if (buf.at(i) !== QUOTE) return undefined;
        const keyEnd = skipString(buf, i);
        const key = JSON.parse(buf.text(i, keyEnd)) as string;
        i = keyEnd;
        skipSpace();
        if (buf.at(i) !== 0x3a) return undefined;
        i++;
        skipSpace();
        const valueStart = i;
        i = skipValue(buf, i);
        // A repeated key is as ambiguous here as anywhere: refuse the message.
        if (members.has(key)) return undefined;
        members.set(key, [valueStart, i]);
        skipSpace();
        if (buf.at(i) === 0x2c) {
          i++;
          continue;
        }
        if (buf.at(i) === 0x7d) {
          i++;
          break;
        }
        return undefined;
      }
    }
    skipSpace();
    return i === buf.length ? { members } : undefined;
  } catch (error) {
    if (error instanceof EnvelopeError || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * A stand-in for JSON.parse(line) that parses only the small envelope members
 * and the rest on first access, so that classifyMessage and the response hooks
 * work unchanged.
 */
export function envelopeObject(buf: ByteParts, envelope: Envelope): Record<string, unknown> | undefined {
  const object: Record<string | symbol, unknown> = {};
  Object.defineProperty(object, PARSED_ON_DEMAND, { value: true });
  for (const [key, [start, end]] of envelope.members) {
    const parse = () => JSON.parse(buf.text(start, end)) as unknown;
    if (key === "result" || key === "params") {
      let cached: { value: unknown } | undefined;
      Object.defineProperty(object, key, { enumerable: true, get: () => (cached ??= { value: parse() }).value });
    } else {
      try {
        object[key] = parse();
      } catch {
        return undefined;
      }
    }
  }
  return object;
}
