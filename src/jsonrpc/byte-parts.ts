import { isUtf8 } from "node:buffer";

// A message kept as the chunks it arrived in. Joining a 64 MB message into one
// buffer would hold it twice; these helpers read it where it lies.

export class ByteParts {
  readonly parts: Buffer[];
  readonly length: number;
  readonly #starts: number[] = [];
  #current = 0;

  constructor(parts: Buffer[]) {
    this.parts = parts;
    let offset = 0;
    for (const part of parts) {
      this.#starts.push(offset);
      offset += part.length;
    }
    this.length = offset;
  }

  #locate(index: number): number {
    const current = this.#current;
    const start = this.#starts[current] as number;
    if (index >= start && index < start + (this.parts[current] as Buffer).length) return current;
    let low = 0;
    let high = this.parts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.#starts[mid] as number) <= index) low = mid;
      else high = mid - 1;
    }
    this.#current = low;
    return low;
  }

  at(index: number): number | undefined {
    if (index < 0 || index >= this.length) return undefined;
    const part = this.#locate(index);
    return (this.parts[part] as Buffer)[index - (this.#starts[part] as number)];
  }

  indexOf(byte: number, from: number): number {
    if (from >= this.length) return -1;
    for (let part = this.#locate(from); part < this.parts.length; part++) {
      const start = this.#starts[part] as number;
      const found = (this.parts[part] as Buffer).indexOf(byte, Math.max(0, from - start));
      if (found !== -1) return start + found;
    }
    return -1;
  }

  /** The bytes from start to end, copied only when they span chunks. */
  slice(start: number, end: number): Buffer {
    const first = this.#locate(start);
    const firstStart = this.#starts[first] as number;
    const firstPart = this.parts[first] as Buffer;
    if (end <= firstStart + firstPart.length) return firstPart.subarray(start - firstStart, end - firstStart);
    const pieces: Buffer[] = [];
    for (let part = first; part < this.parts.length && (this.#starts[part] as number) < end; part++) {
      const partStart = this.#starts[part] as number;
      pieces.push((this.parts[part] as Buffer).subarray(Math.max(0, start - partStart), end - partStart));
    }
    return Buffer.concat(pieces);
  }

  text(start: number, end: number): string {
    return this.slice(start, end).toString("utf8");
  }
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** isUtf8 over the whole message, with characters split across chunks checked where they meet. */
export function isUtf8Parts(parts: readonly Buffer[]): boolean {
  let carry = Buffer.alloc(0);
  for (const part of parts) {
    let start = 0;
    if (carry.length > 0) {
      const want = sequenceLength(carry[0] as number);
      const take = Math.min(want - carry.length, part.length);
      carry = Buffer.concat([carry, part.subarray(0, take)]);
      start = take;
      if (carry.length < want) continue;
      if (!isUtf8(carry)) return false;
      carry = Buffer.alloc(0);
    }
    // A character cut by the chunk's end waits for the next chunk.
    let cut = part.length;
    for (let k = part.length - 1; k >= Math.max(start, part.length - 3); k--) {
      const byte = part[k] as number;
      if ((byte & 0xc0) === 0x80) continue;
      const length = sequenceLength(byte);
      if (length > 1 && k + length > part.length) cut = k;
      break;
    }
    if (!isUtf8(part.subarray(start, cut))) return false;
    carry = Buffer.from(part.subarray(cut));
  }
  return carry.length === 0;
}
