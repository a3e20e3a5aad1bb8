import { spawn, type ChildProcessByStdio } from "node:child_process";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { after } from "node:test";
import type { Readable } from "node:stream";
import { BIN } from "../helpers/paths.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";

// `policy-wrap ui` as a person starts it, and plain HTTP requests to it with
// whatever headers an attacker's page (or a rebinding name) would send.

export interface RunningUi {
  url: string;
  port: number;
  token: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  output(): string;
}

/** A starter (call it at the top of a test file) whose dashboards are all stopped when the file ends. */
export function uiStarter(): (args: string[]) => Promise<RunningUi> {
  const running: ChildProcessByStdio<null, Readable, Readable>[] = [];
  after(async () => {
    await Promise.all(
      running.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }),
    );
  });
  return (args) => {
    const child = spawn(process.execPath, [BIN, "ui", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    running.push(child);
    return started(child);
  };
}

/** Resolves once the dashboard printed its address. */
function started(child: ChildProcessByStdio<null, Readable, Readable>): Promise<RunningUi> {
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the dashboard printed no address within ${HANG_GUARD_MS} ms:\n${out}`)),
      HANG_GUARD_MS,
    );
    const onData = (chunk: string): void => {
      out += chunk;
      const match = /policy-wrap dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/([A-Za-z0-9_-]+)\/)\n/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: match[1] as string, port: Number(match[2]), token: match[3] as string, child, output: () => out });
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", onData);
    child.once("exit", (code) => reject(new Error(`the dashboard exited with ${code}:\n${out}`)));
  });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with exactly the headers given (Host included), to 127.0.0.1 or another address. */
export function send(options: {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  host?: string;
}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: options.host ?? "127.0.0.1",
        port: options.port,
        path: options.path,
        method: options.method ?? "GET",
        headers: options.headers,
        setHost: false,
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
