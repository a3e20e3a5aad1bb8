import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { decideFromOutside, MAX_NOTE_CHARS } from "../approvals/decide.js";
import { describeDecision } from "../approvals/describe-record.js";
import { parseApprovalId } from "../approvals/approval-id.js";
import { PendingApprovals } from "../approvals/pending-store.js";
import { approvePin } from "./ui-pins.js";
import { checkRequest, SECURITY_HEADERS } from "./ui-guard.js";
import { buildSnapshot, type SnapshotSources } from "./ui-snapshot.js";

// The dashboard's HTTP server: a page (plain HTML, CSS and JS shipped with
// the package), one JSON snapshot it polls, and its actions (approve or deny
// a held call, approve a changed tool definition).
// Served on 127.0.0.1 only; every request passes the guard first.

export interface DashboardOptions {
  /** 0: any free port. */
  port: number;
  sources: SnapshotSources;
  assetsDir: string;
}

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};
const MAX_BODY_BYTES = 16 * 1024;
const ACTION = /^\/api\/approvals\/([^/]+)\/(approve|deny)$/;

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("the request body is too large"));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => {
      try {
        resolve(chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new Error("the request body is not JSON"));
      }
    });
    request.on("error", reject);
  });
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const token = randomBytes(24).toString("base64url");
  const assets = new Map(Object.entries(ASSETS).map(([path, a]) => [path, { ...a, body: readFileSync(join(options.assetsDir, a.file)) }]));
  let port = 0;

  const act = async (request: IncomingMessage, response: ServerResponse, idText: string, verb: string): Promise<void> => {
    const id = parseApprovalId(decodeURIComponent(idText));
    if (id === undefined) return sendJson(response, 400, { error: "not an approval id" });
    const body = (await readBody(request)) as { note?: unknown; reason?: unknown };
    const words = verb === "approve" ? body.note : body.reason;
    if (words !== undefined && (typeof words !== "string" || words.length > MAX_NOTE_CHARS))
      return sendJson(response, 400, {
        error: `the ${verb === "approve" ? "note" : "reason"} must be text of at most ${MAX_NOTE_CHARS} characters`,
      });
    const records = options.sources.records();
    if (!records) return sendJson(response, 404, { error: "no approvals recorded yet" });
    const answer = verb === "approve" ? "approved" : "declined";
    const note = typeof words === "string" && words.trim() !== "" ? words.trim() : undefined;
    const result = decideFromOutside(new PendingApprovals(records), id, { answer, channel: "dashboard", note });
    if (result.kind === "unknown") return sendJson(response, 404, { error: `no approval ${id}` });
    if (result.kind === "already") return sendJson(response, 409, { error: `already ${describeDecision(result.record)}` });
    sendJson(response, 200, { decided: describeDecision(result.record) });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const verdict = checkRequest(request, { token, port });
    if (!verdict.ok) return send(response, verdict.status, "text/plain; charset=utf-8", `${verdict.status}: ${verdict.why}\n`);
    const query = new URLSearchParams((request.url ?? "").split("?")[1] ?? "");
    const asset = assets.get(verdict.path);
    if (request.method !== "POST" && asset) return send(response, 200, asset.type, asset.body);
    if (request.method !== "POST" && verdict.path === "/api/state") {
      const filter = {
        tool: query.get("tool") ?? undefined,
        outcome: query.get("outcome") ?? undefined,
        since: query.get("since") ?? undefined,
      };
      return sendJson(response, 200, await buildSnapshot(options.sources, filter));
    }
    const action = ACTION.exec(verdict.path);
    if (request.method === "POST" && action) return act(request, response, action[1] as string, action[2] as string);
    if (request.method === "POST" && verdict.path === "/api/pins/approve") {
      const { status, body } = approvePin(options.sources.records(), await readBody(request));
      return sendJson(response, status, body);
    }
    send(response, 404, "text/plain; charset=utf-8", "404: not found\n");
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: error instanceof Error ? error.message : String(error) });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: nothing is served on another interface.
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
