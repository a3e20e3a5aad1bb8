// A strict, iterative JSON scanner. JSON.parse silently keeps the last of
// duplicate keys and says nothing about where a value sits; a policy tool
// needs both facts, because another parser downstream may keep the first key,
// and a policy author needs line and column for every problem.

export interface ScanOptions {
  /** Deeper documents are refused before JSON.parse, JSON.stringify or ajv can throw on them. */
  maxDepth: number;
  /** When given, filled with the start offset of every value, by JSON Pointer. */
  positions?: Map<string, number>;
}

export type ScanResult =
  | {
      ok: true;
      topLevel: "object" | "array" | "scalar";
      /** Raw source text of each top-level member of an object, by key. */
      members: Map<string, string>;
    }
  | { ok: false; problem: "syntax" | "duplicate-key" | "too-deep"; message: string; offset: number; pointer?: string; key?: string };

interface Frame {
  isObject: boolean;
  pointer: string;
  keys: Set<string> | undefined;
  index: number;
  key: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

class ScanError extends Error {
  constructor(
    readonly problem: "syntax" | "duplicate-key" | "too-deep",
    message: string,
    readonly offset: number,
    readonly pointer?: string,
    readonly key?: string,
  ) {
    super(message);
  }
}

export function scanJson(text: string, options: ScanOptions): ScanResult {
  try {
    return scan(text, options);
  } catch (error) {
    if (error instanceof ScanError) {
      return { ok: false, problem: error.problem, message: error.message, offset: error.offset, pointer: error.pointer, key: error.key };
    }
    throw error;
  }
}

function scan(text: string, options: ScanOptions): ScanResult {
  const n = text.length;
  const positions = options.positions;
  const stack: Frame[] = [];
  const members = new Map<string, string>();
  let i = 0;
  let topLevel: "object" | "array" | "scalar" = "scalar";
  let memberStart = -1;

  const skipSpace = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      i++;
    }
  };
  const fail = (message: string): never => {
    throw new ScanError("syntax", message, Math.min(i, n));
  };
  const readString = (): string => {
    const start = i;
    i++;
    let escaped = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        const raw = text.slice(start, i);
        return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      }
      if (c === 0x5c) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c < 0x20) fail("control character in string");
      i++;
    }
    return fail("unterminated string");
  };
  const childPointer = (frame: Frame | undefined): string => {
    if (!positions || !frame) return "";
    return `${frame.pointer}/${frame.isObject ? escapePointerToken(frame.key) : String(frame.index)}`;
  };
  const readKey = (frame: Frame): void => {
    skipSpace();
    if (text.charCodeAt(i) !== 0x22) fail("expected a property name in double quotes");
    const keyOffset = i;
    const key = readString();
    const keys = frame.keys as Set<string>;
    if (keys.has(key)) {
      throw new ScanError(
        "duplicate-key",
        `duplicate key "${key}"`,
        keyOffset,
        positions ? `${frame.pointer}/${escapePointerToken(key)}` : undefined,
        key,
      );
    }
    keys.add(key);
    frame.key = key;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) fail("expected ':' after a property name");
    i++;
  };

  // Each turn of the loop reads one value, then closes as many containers as it can.
  for (;;) {
    skipSpace();
    const parent = stack[stack.length - 1];
    if (positions) positions.set(childPointer(parent), i);
    if (stack.length === 1 && parent?.isObject) memberStart = i;
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= options.maxDepth) throw new ScanError("too-deep", `nested deeper than ${options.maxDepth} levels`, i);
      const isObject = c === 0x7b;
      if (stack.length === 0) topLevel = isObject ? "object" : "array";
      const frame: Frame = { isObject, pointer: childPointer(parent), keys: isObject ? new Set() : undefined, index: 0, key: "" };
      i++;
      skipSpace();
      if (text.charCodeAt(i) === (isObject ? 0x7d : 0x5d)) {
        i++;
      } else {
        stack.push(frame);
        if (isObject) readKey(frame);
        continue;
      }
    } else if (c === 0x22) {
      readString();
    } else if (c === 0x74 && text.startsWith("true", i)) {
      i += 4;
    } else if (c === 0x66 && text.startsWith("false", i)) {
      i += 5;
    } else if (c === 0x6e && text.startsWith("null", i)) {
      i += 4;
    } else {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) fail(i >= n ? "unexpected end of input" : "unexpected character");
      i = NUMBER.lastIndex;
    }

    // After a value: a separator, a closing bracket (perhaps several), or the end.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (!frame) {
        skipSpace();
        if (i < n) fail("unexpected text after the end of the document");
        return { ok: true, topLevel, members };
      }
      if (stack.length === 1 && frame.isObject && memberStart >= 0) {
        members.set(frame.key, text.slice(memberStart, i));
        memberStart = -1;
      }
      skipSpace();
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (frame.isObject) readKey(frame);
        else frame.index++;
        break;
      }
      if (d === (frame.isObject ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      fail(frame.isObject ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
}
