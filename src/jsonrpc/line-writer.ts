import type { Readable, Writable } from "node:stream";

// Writes one framed message and applies backpressure to the stream the
// messages come from, so a slow reader cannot make the wrapper buffer a whole
// large result stream in memory. Each write is a syscall and a wake-up of
// the reader, the main cost of relaying small messages, so a message and its
// newline go out together (large ones, where a copy costs more than a syscall,
// excepted), and the stream is corked until the end of the tick: all the
// messages cut from one input chunk leave in a single writev, as a byte
// relay's would.

const NEWLINE = Buffer.from("\n");
const COPY_BELOW_BYTES = 256 * 1024;
export class LineWriter {
  readonly #stream: Writable;
  #source: Readable | undefined;
  #waiting = false;
  #closed = false;
  #corked = false;
  readonly #uncork = () => {
    this.#corked = false;
    this.#stream.uncork();
  };

  constructor(stream: Writable) {
    this.#stream = stream;
    stream.on("error", () => {
      this.#closed = true;
    });
  }

  /** The readable to pause while this writer's stream is full. */
  throttle(source: Readable): void {
    this.#source = source;
  }

  get closed(): boolean {
    return this.#closed || this.#stream.destroyed || this.#stream.writableEnded;
  }

  /** One message: text, bytes, or the chunks a large message arrived in. */
  write(payload: string | Buffer | readonly Buffer[]): void {
    if (this.closed) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#stream.cork();
      process.nextTick(this.#uncork);
    }
    let ok: boolean;
    if (typeof payload === "string") {
      ok = this.#stream.write(`${payload}\n`);
    } else if (Buffer.isBuffer(payload) && payload.length < COPY_BELOW_BYTES) {
      ok = this.#stream.write(Buffer.concat([payload, NEWLINE], payload.length + 1));
    } else {
      for (const part of Buffer.isBuffer(payload) ? [payload] : payload) this.#stream.write(part);
      ok = this.#stream.write(NEWLINE);
    }
    if (!ok && this.#source && !this.#waiting) {
      this.#waiting = true;
      this.#source.pause();
      this.#stream.once("drain", () => {
        this.#waiting = false;
        this.#source?.resume();
      });
    }
  }

  end(): void {
    if (!this.closed) this.#stream.end();
  }
}
