import type { RedisClientOptions } from "@redis/client";
import { clientOptions, type Client } from "./redis-client.js";
import { describeRedisError, errorClass, type Described } from "./redis-faults.js";
import type { Script } from "./redis-scripts.js";
import { SilenceWatch } from "./redis-silence.js";
import type { RedisTarget } from "./redis-url.js";

// One connection to Redis through node-redis, with the waits bounded. node-redis
// reconnects with backoff by itself; this adds what a fail-closed limiter needs:
// a command is never queued while the connection is down (it fails at once), a
// command that was sent gets at most the caller's deadline (node-redis would
// wait for its answer forever), and a connection that stops answering
// altogether (a half-open TCP link, a server stopped for good) is replaced. An
// outage keeps the cause it started with, so it is reported once.

export class LinkError extends Error {
  override readonly name = "LinkError";
  constructor(
    readonly described: Described,
    /** The command may have reached the server and run: what it charged must be given back. */
    readonly mayHaveRun: boolean,
  ) {
    super(described.text);
  }
}

export interface LinkOptions {
  /** How long a command, or the first connection, may take (ms). */
  timeoutMs: number;
  /** Replace a connection that answered nothing for this long while commands waited (ms). */
  stuckAfterMs?: number;
}

export class RedisLink {
  readonly #target: RedisTarget;
  readonly #options: Required<LinkOptions>;
  readonly #createClient: (options: RedisClientOptions) => Client;
  #client: Client;
  /** Why the server cannot be used now; undefined while connected, or connecting for the first time. */
  #outage: Described | undefined;
  #closed = false;
  #waiters = new Set<() => void>();
  readonly #readyListeners: (() => void)[] = [];
  readonly #silence: SilenceWatch;

  constructor(target: RedisTarget, createClient: (options: RedisClientOptions) => Client, options: LinkOptions) {
    this.#target = target;
    this.#createClient = createClient;
    this.#options = { stuckAfterMs: Math.max(20 * options.timeoutMs, 5000), ...options };
    this.#silence = new SilenceWatch(this.#options.stuckAfterMs, () => this.#replaceSilent());
    this.#client = this.#connect();
  }

  get timeoutMs(): number {
    return this.#options.timeoutMs;
  }

  get isReady(): boolean {
    return !this.#closed && this.#client.isReady;
  }

  /** Called each time a connection becomes ready. */
  onReady(listener: () => void): void {
    this.#readyListeners.push(listener);
  }

  /** Resolves the next time a connection becomes ready. */
  nextReady(): Promise<void> {
    return new Promise((resolve) => {
      const once = () => {
        this.#readyListeners.splice(this.#readyListeners.indexOf(once), 1);
        resolve();
      };
      this.#readyListeners.push(once);
    });
  }

  #connect(): Client {
    const client = this.#createClient(clientOptions(this.#target));
    const password = this.#target.password;
    client.on("error", (error) => {
      if (client === this.#client) this.#noteOutage(describeRedisError(error, password));
    });
    client.on("ready", () => {
      if (client !== this.#client || this.#closed) return;
      this.#outage = undefined;
      this.#wake();
      for (const listener of [...this.#readyListeners]) listener();
    });
    client.connect().catch(() => {
      // Reported through the error event; node-redis keeps trying until destroyed.
    });
    return client;
  }

  #noteOutage(cause: Described): void {
    // A server that answers but refuses (a wrong password) says more than "unreachable".
    if (this.#outage === undefined || (this.#outage.kind !== "reply" && cause.kind === "reply")) this.#outage = cause;
    this.#wake();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Ready now, or soon on a first connection; a known outage fails at once. */
  async whenReady(deadline: number): Promise<void> {
    for (;;) {
      if (this.#closed) throw new LinkError({ kind: "connection", text: "the connection was closed" }, false);
      if (this.#client.isReady) return;
      if (this.#outage) throw new LinkError(this.#outage, false);
      const left = deadline - Date.now();
      if (left <= 0) throw this.#timedOut(false);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  #timedOut(mayHaveRun: boolean): LinkError {
    return new LinkError({ kind: "timeout", text: `did not answer within ${this.#options.timeoutMs} ms` }, mayHaveRun);
  }

  /**
   * Runs a script with EVAL, never EVALSHA: EVALSHA's NOSCRIPT fallback sends
   * the EVAL only once the NOSCRIPT answer is back, after commands sent
   * meanwhile, so a refund could land after the next check. EVAL keeps one
   * connection's commands in the order they were sent (Redis caches the
   * compiled script by its hash either way).
   */
  async run(script: Script, keys: string[], args: string[], deadline?: number): Promise<unknown> {
    return this.command(["EVAL", script.source, String(keys.length), ...keys, ...args], deadline);
  }

  async command(args: string[], deadline?: number): Promise<unknown> {
    if (this.#closed || !this.#client.isReady) {
      throw new LinkError(this.#outage ?? { kind: "connection", text: "the connection was lost" }, false);
    }
    const sent = this.#send(this.#client, args);
    if (deadline === undefined) return sent;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.#timedOut(true)), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([sent, late]);
    } finally {
      clearTimeout(timer);
      sent.catch(() => {});
    }
  }

  async #send(client: Client, args: string[]): Promise<unknown> {
    const watch = this.#silence.started();
    try {
      return await client.sendCommand(args);
    } catch (error) {
      const cause = describeRedisError(error, this.#target.password);
      if (cause.kind === "reply") throw new LinkError(cause, false);
      if (client === this.#client) this.#noteOutage(cause);
      const neverSent = errorClass(error) === "ClientOfflineError" || errorClass(error) === "ClientClosedError";
      throw new LinkError(this.#outage ?? cause, !neverSent);
    } finally {
      this.#silence.answered(watch);
    }
  }

  #replaceSilent(): void {
    if (this.#closed) return;
    // What was sent on it may still run when the server wakes, which is why a
    // charge given back is remembered (see REVOKE).
    const old = this.#client;
    this.#noteOutage({ kind: "timeout", text: `stopped answering for ${this.#options.stuckAfterMs} ms; reconnecting` });
    this.#client = this.#connect();
    old.destroy();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#silence.stop();
    this.#wake();
    this.#client.destroy();
  }
}
