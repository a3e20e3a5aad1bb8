import type { Readable, Writable } from "node:stream";

// Writes framed messages and applies backpressure to the stream the messages
// come from, so a slow reader cannot make the wrapper buffer a whole large
// result stream in memory. Each write is a syscall and a wake-up of the
// reader, the main cost of relaying small messages, so the messages cut from
// one input chunk leave in a single write, as a byte relay's would: while the
// relay works through a chunk (between hold and release) messages are
// gathered, and written together when it is done. Messages written at other
// times (answers that waited on the counter store, say) are gathered until the
// end of the tick. Large messages, where a copy costs more than a syscall, go
// out as they are, in order.

const NEWLINE = Buffer.from("\n");
const COPY_BELOW_BYTES = 256 * 1024;

export class LineWriter {
  readonly #stream: Writable;
  #source: Readable | undefined;
  #waiting = false;
  #closed = false;
  /** Small messages not yet written: a text with its newline, or bytes followed by NEWLINE. */
  #pending: (string | Buffer)[] = [];
  #held = 0;
  #scheduled = false;
  readonly #flushNow = (): void => {
    this.#scheduled = false;
    this.#flush();
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

  /** Gathers what is written until release(): the relay is working through an input chunk. */
  hold(): void {
    this.#held++;
  }

  release(): void {
    if (--this.#held === 0 && !this.#scheduled) this.#flush();
  }

  /** One message: text, bytes, or the chunks a large message arrived in. */
  write(payload: string | Buffer | readonly Buffer[]): void {
    if (this.closed) return;
    if (typeof payload === "string") this.#pending.push(`${payload}\n`);
    else if (Buffer.isBuffer(payload) && payload.length < COPY_BELOW_BYTES) this.#pending.push(payload, NEWLINE);
    else {
      this.#flush();
      // Its chunks and newline in one writev.
      this.#stream.cork();
      for (const part of Buffer.isBuffer(payload) ? [payload] : payload) this.#stream.write(part);
      const ok = this.#stream.write(NEWLINE);
      this.#stream.uncork();
      this.#afterWrite(ok);
      return;
    }
    if (this.#held === 0 && !this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flushNow);
    }
  }

  end(): void {
    this.#flush();
    if (!this.closed) this.#stream.end();
  }

  #flush(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    if (this.closed) return;
    // One write for all of them: a text alone as it is, anything else joined into one buffer.
    const out =
      pending.length === 1 ? (pending[0] as string) : Buffer.concat(pending.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
    this.#afterWrite(this.#stream.write(out));
  }

  #afterWrite(ok: boolean): void {
    if (ok || !this.#source || this.#waiting) return;
    this.#waiting = true;
    this.#source.pause();
    this.#stream.once("drain", () => {
      this.#waiting = false;
      this.#source?.resume();
    });
  }
}
