// Newline-delimited framing. Chunks are kept in a list and joined once per
// line, so the cost is linear in the message size however it is chunked. A line
// longer than the limit is skipped to its end without being held in memory; its
// first and last bytes are kept so that the caller can try to name its id.
//
// Small pieces are copied into one growing buffer instead of being kept as
// they came: a peer that writes a line one byte per write would otherwise have
// the wrapper hold a Buffer object (and perhaps a whole read buffer) per byte,
// 40 to 600 times the line. Held memory stays within about twice the line.

export interface OversizeLine {
  bytes: number;
  head: Buffer;
  tail: Buffer;
}

export interface LineHandlers {
  line(line: Buffer): void;
  oversize(info: OversizeLine): void;
  /** When given, lines of at least `minBytes` are handed over as their chunks, never joined. */
  largeLine?: { minBytes: number; handle(parts: Buffer[]): void };
}

/** How much of each end of a line is kept to recover its id (see sniff-id). */
export const EDGE_BYTES = 256;
/** Pieces smaller than this are copied; larger ones are kept as they came (their read buffer is at most a few times their size). */
const COPY_BELOW_BYTES = 16 * 1024;

export class LineSplitter {
  readonly #maxBytes: number;
  readonly #handlers: LineHandlers;
  #parts: Buffer[] = [];
  #length = 0;
  /** Small pieces, copied end to end; `#filled` bytes of it are used. */
  #small: Buffer | undefined;
  #filled = 0;
  #skipping = false;
  #head: Buffer = Buffer.alloc(0);
  #tail: Buffer = Buffer.alloc(0);

  constructor(maxBytes: number, handlers: LineHandlers) {
    this.#maxBytes = maxBytes;
    this.#handlers = handlers;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (newline !== -1 && this.#length === 0 && !this.#skipping) {
        // A whole line within one chunk (the usual case): handed over where it lies, nothing copied or held.
        this.#finish([chunk.subarray(start, end)], end - start);
      } else {
        if (end > start) this.#append(chunk.subarray(start, end));
        if (newline === -1) return;
        this.#finishLine();
      }
      start = newline + 1;
    }
  }

  /** At end of input, a last line without its newline still counts. */
  end(): void {
    if (this.#length > 0 || this.#skipping) this.#finishLine();
  }

  #append(part: Buffer): void {
    if (this.#skipping) {
      this.#length += part.length;
      this.#tail = keepTail(this.#tail, part);
      return;
    }
    if (this.#length + part.length > this.#maxBytes) {
      this.#flushSmall();
      this.#skipping = true;
      this.#head = firstBytes([...this.#parts, part], EDGE_BYTES);
      this.#tail = keepTail(Buffer.alloc(0), part);
      this.#parts = [];
      this.#length += part.length;
      return;
    }
    this.#length += part.length;
    if (part.length >= COPY_BELOW_BYTES) {
      this.#flushSmall();
      this.#parts.push(part);
      return;
    }
    if (!this.#small || this.#filled + part.length > this.#small.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * (this.#small?.length ?? 0), this.#filled + part.length, 4096));
      this.#small?.copy(grown, 0, 0, this.#filled);
      this.#small = grown;
    }
    part.copy(this.#small, this.#filled);
    this.#filled += part.length;
  }

  /** The small pieces so far become one part, in order. */
  #flushSmall(): void {
    if (!this.#small || this.#filled === 0) return;
    this.#parts.push(this.#small.subarray(0, this.#filled));
    this.#small = undefined;
    this.#filled = 0;
  }

  #finishLine(): void {
    this.#flushSmall();
    const parts = this.#parts;
    const length = this.#length;
    const skipped = this.#skipping;
    this.#parts = [];
    this.#length = 0;
    this.#skipping = false;
    if (skipped) {
      this.#handlers.oversize({ bytes: length, head: this.#head, tail: this.#tail });
      return;
    }
    this.#finish(parts, length);
  }

  #finish(parts: Buffer[], length: number): void {
    // Only a line that came whole within one chunk reaches here over the limit (others were skipped as they came).
    if (length > this.#maxBytes) {
      const only = parts[0] as Buffer;
      this.#handlers.oversize({ bytes: length, head: Buffer.from(only.subarray(0, EDGE_BYTES)), tail: keepTail(Buffer.alloc(0), only) });
      return;
    }
    if (length === 0) return;
    const large = this.#handlers.largeLine;
    if (large && length >= large.minBytes) {
      const last = parts[parts.length - 1] as Buffer;
      if (last[last.length - 1] === 0x0d) parts[parts.length - 1] = last.subarray(0, last.length - 1);
      large.handle(parts);
      return;
    }
    let line = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length);
    if (line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.length === 0) return;
    this.#handlers.line(line);
  }
}

/** Copies only the first `count` bytes of a list of parts, never the whole list. */
function firstBytes(parts: Buffer[], count: number): Buffer {
  const edge: Buffer[] = [];
  let taken = 0;
  for (const part of parts) {
    if (taken >= count) break;
    const slice = part.subarray(0, count - taken);
    edge.push(slice);
    taken += slice.length;
  }
  return Buffer.concat(edge);
}

function keepTail(previous: Buffer, part: Buffer): Buffer {
  if (part.length >= EDGE_BYTES) return Buffer.from(part.subarray(part.length - EDGE_BYTES));
  const joined = Buffer.concat([previous, part]);
  return joined.length > EDGE_BYTES ? Buffer.from(joined.subarray(joined.length - EDGE_BYTES)) : joined;
}
