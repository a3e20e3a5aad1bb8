// Percent-escapes in resource URIs, and the error for a URI no reading can
// pin down (see uri.ts).

/** Why a URI (or pattern) cannot be compared: the message completes "it ...". */
export class Unreadable extends Error {}

/** Escapes that stay escaped: decoding them would change where the URI's parts begin and end (or make a glob wildcard). */
const KEEP_ENCODED = new Set([0x25, 0x2f, 0x5c, 0x3f, 0x23, 0x2a]);
/** Bidirectional formatting characters: RFC 3987 forbids them in IRIs, and they make a URI read as another on screen. */
export const BIDI_FORMATTING = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** `%25` and two hex digits: a server that decodes twice reads another character there. */
export const DOUBLE_ENCODED = /%25[0-9A-Fa-f]{2}/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Escapes decoded (as UTF-8) except those in KEEP_ENCODED, which are written in upper case. */
export function percentNormalise(text: string): string {
  if (!text.includes("%")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "%") {
      out += text[i];
      i++;
      continue;
    }
    const bytes: number[] = [];
    while (text[i] === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Unreadable(`has a "%" that is not followed by two hex digits`);
      const byte = parseInt(hex, 16);
      if (byte < 0x20 || byte === 0x7f) throw new Unreadable("encodes a control character");
      bytes.push(byte);
      i += 3;
    }
    out += decodeBytes(bytes);
  }
  // `%25%32%45` decodes to `%2E` here and to `.` in a server that decodes twice.
  if (DOUBLE_ENCODED.test(out)) throw new Unreadable("is percent-encoded twice (%25 followed by two hex digits, once decoded)");
  if (BIDI_FORMATTING.test(out)) throw new Unreadable("encodes a bidirectional formatting character");
  return out;
}

function decodeBytes(bytes: number[]): string {
  let out = "";
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    try {
      out += utf8.decode(Uint8Array.from(run));
    } catch {
      throw new Unreadable("has percent-escapes that are not UTF-8");
    }
    run = [];
  };
  for (const byte of bytes) {
    if (!KEEP_ENCODED.has(byte)) {
      run.push(byte);
      continue;
    }
    flush();
    out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  flush();
  return out;
}
