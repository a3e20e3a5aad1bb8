import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { createClient } from "@redis/client";
import { HANG_GUARD_MS } from "./hang-guard.js";

// A real redis-server of the test's own, on a Unix socket in a temporary
// folder (and a TCP port on 127.0.0.1 when asked), without persistence, stopped
// when the test file ends. Tests stall it (SIGSTOP), kill it and start it again.

export interface RedisServerOptions {
  /** Also listen on a TCP port on 127.0.0.1 (for passwords and TLS). */
  tcp?: boolean;
  /** TLS on the TCP port instead of plain TCP. */
  tls?: { cert: string; key: string; ca: string };
  /** More `--option value` pairs for redis-server. */
  args?: string[];
}

const READY = /ready to accept connections/i;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, "close");
  return port;
}

export class RedisServer {
  readonly dir: string;
  readonly socket: string;
  port: number | undefined;
  #program: string;
  #options: RedisServerOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<unknown> = Promise.resolve();
  #admin: { sendCommand(args: string[]): Promise<unknown>; destroy(): void } | undefined;
  output = "";

  constructor(program: string, options: RedisServerOptions) {
    this.#program = program;
    this.#options = options;
    // Its own folder, removed by stop(): a Unix socket path must stay short.
    this.dir = mkdtempSync(join(tmpdir(), "pw-redis-"));
    this.socket = join(this.dir, "redis.sock");
  }

  /** `redis+unix:///.../redis.sock` */
  get url(): string {
    return `redis+unix://${this.socket}`;
  }

  get pid(): number {
    return this.#child?.pid as number;
  }

  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.#options.tcp || this.#options.tls) this.port ??= await freePort();
      try {
        await this.#spawn();
        return;
      } catch (error) {
        // Another process took the port meanwhile: try another.
        if (attempt >= 5 || !/Address already in use/.test(this.output)) throw error;
        this.port = undefined;
      }
    }
  }

  #spawn(): Promise<void> {
    const { tls, args = [] } = this.#options;
    const listen =
      this.port === undefined
        ? ["--port", "0"]
        : tls
          ? ["--port", "0", "--tls-port", String(this.port), "--tls-cert-file", tls.cert, "--tls-key-file", tls.key]
          : ["--port", String(this.port)];
    const tlsArgs = tls ? ["--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "no"] : [];
    const argv = [
      ...listen,
      ...tlsArgs,
      ...["--bind", "127.0.0.1", "--unixsocket", this.socket, "--unixsocketperm", "700", "--dir", this.dir],
      ...["--save", "", "--appendonly", "no", "--logfile", "", "--loglevel", "notice", "--daemonize", "no"],
      ...args,
    ];
    this.output = "";
    const child = spawn(this.#program, argv, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    this.#exited = once(child, "exit");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${this.output}`)), HANG_GUARD_MS);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (READY.test(this.output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", () => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited:\n${this.output}`));
      });
    });
  }

  /** SIGSTOP: the server takes connections (the kernel does) but answers nothing. */
  stall(): void {
    this.#child?.kill("SIGSTOP");
  }

  resume(): void {
    this.#child?.kill("SIGCONT");
  }

  async kill(): Promise<void> {
    await this.#closeAdmin();
    this.#child?.kill("SIGKILL");
    await this.#exited;
  }

  /** Starts it again on the same socket and port, empty (no persistence). */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  async stop(): Promise<void> {
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) {
      this.resume();
      await this.kill();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A command from a client of the test's own (not through policy-wrap). */
  async command(...args: string[]): Promise<unknown> {
    if (!this.#admin) {
      const client = createClient({ socket: { path: this.socket, reconnectStrategy: false } }).on("error", () => {});
      await client.connect();
      this.#admin = client;
    }
    return this.#admin.sendCommand(args);
  }

  /** The server's clock, in ms since the epoch. */
  async time(): Promise<number> {
    const [seconds, micros] = (await this.command("TIME")) as [string, string];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async #closeAdmin(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    admin?.destroy();
  }
}

/**
 * Starts servers that are all stopped when the test file ends. Call it at the
 * top of the file (it registers an `after` hook); `program` is undefined where
 * redis-server is missing, and the suites using it are skipped.
 */
export function redisServers(program: string | undefined): (options?: RedisServerOptions) => Promise<RedisServer> {
  const running: RedisServer[] = [];
  after(async () => {
    await Promise.all(running.map((server) => server.stop()));
  });
  return async (options = {}) => {
    if (program === undefined) throw new Error("redis-server is not installed");
    const server = new RedisServer(program, options);
    running.push(server);
    await server.start();
    return server;
  };
}
