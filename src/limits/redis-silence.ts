// Notices a connection that answers nothing at all while commands wait for
// it: a half-open TCP link, a server stopped for good. node-redis would wait
// for those answers forever; the link replaces the connection instead.

export interface Watched {
  generation: number;
}

export class SilenceWatch {
  readonly #limitMs: number;
  readonly #onSilent: () => void;
  #generation = 0;
  #waiting = 0;
  #lastAnswer = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(limitMs: number, onSilent: () => void) {
    this.#limitMs = limitMs;
    this.#onSilent = onSilent;
  }

  /** A command was sent. */
  started(): Watched {
    if (this.#waiting++ === 0) this.#lastAnswer = Date.now();
    this.#timer ??= setTimeout(() => this.#check(), this.#limitMs).unref();
    return { generation: this.#generation };
  }

  /** Its answer (or its failure) came back. Commands of a replaced connection no longer count. */
  answered(watched: Watched): void {
    if (watched.generation !== this.#generation) return;
    this.#waiting = Math.max(0, this.#waiting - 1);
    this.#lastAnswer = Date.now();
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#waiting === 0) return;
    const silentFor = Date.now() - this.#lastAnswer;
    if (silentFor < this.#limitMs) {
      this.#timer = setTimeout(() => this.#check(), this.#limitMs - silentFor).unref();
      return;
    }
    this.#generation++;
    this.#waiting = 0;
    this.#onSilent();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
