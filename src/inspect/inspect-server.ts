import { isRecord, type ResponseMessage } from "../jsonrpc/message.js";
import { spawnUpstream } from "../upstream/spawn-upstream.js";
import { stopUpstream } from "../upstream/stop-upstream.js";
import { InspectError } from "./inspect-error.js";
import { listTargets, type ListedTargets } from "./list-targets.js";
import { RpcChannel } from "./rpc-channel.js";

// Starts a server the way the wrapper does (its own process group), asks it
// what it is and every tool it has, and stops it. Tool definitions are kept
// exactly as the server sent them: parsed JSON, never passed through the
// SDK's typed schemas, which drop fields they do not know.

export const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_PAGES = 1000;
const PROTOCOL_VERSION = "2025-06-18";
/**
 * What a full client declares. Some servers add tools only for clients that
 * can answer roots, sampling or elicitation requests (server-everything
 * does); a policy written from a poorer list would miss them.
 */
const CLIENT_CAPABILITIES = { roots: { listChanged: true }, sampling: {}, elicitation: {} };
/** A server that changes its list while it is read is read again, this many times at most. */
const MAX_RELISTS = 3;

export interface InspectOptions {
  /** Deadline for each answer (initialize, and each page of tools/list). */
  timeoutMs?: number;
  /** Also list resources, resource templates and prompts (explain, validate --against). */
  targets?: boolean;
  maxPages?: number;
}

export interface ServerCatalogue extends ListedTargets {
  /** The initialize result as sent. */
  initialize: Record<string, unknown>;
  /** Every entry of every tools/list page that is an object with a string name, as sent, in order. */
  tools: Record<string, unknown>[];
  /** Entries that are not tools the wrapper could ever show (no string name), by position. */
  skipped: { index: number; reason: string }[];
  pages: number;
}

/** "name version" from the initialize result, for messages; the server's words, so callers quote it. */
export function serverLabel(catalogue: ServerCatalogue): string {
  const info = catalogue.initialize.serverInfo;
  if (!isRecord(info) || typeof info.name !== "string") return "the server";
  return typeof info.version === "string" ? `${info.name} ${info.version}` : info.name;
}

function resultOf(response: ResponseMessage, method: string): Record<string, unknown> {
  if (response.error) {
    const code = typeof response.error.code === "number" ? ` ${response.error.code}` : "";
    const message = typeof response.error.message === "string" ? `: ${response.error.message}` : "";
    throw new InspectError("refused", `the server answered ${method} with error${code}${message}`);
  }
  if (!isRecord(response.result)) throw new InspectError("protocol", `the server's answer to ${method} is not an object`);
  return response.result;
}

async function listTools(channel: RpcChannel, timeoutMs: number, maxPages: number, hasToolsCapability: boolean) {
  const tools: Record<string, unknown>[] = [];
  const skipped: { index: number; reason: string }[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  let index = 0;
  for (let page = 1; page <= maxPages; page++) {
    const response = await channel.request("tools/list", cursor === undefined ? {} : { cursor }, timeoutMs);
    // A server without tools may say so with "method not found".
    if (page === 1 && !hasToolsCapability && response.error?.code === -32601) return { tools, skipped, pages: 0 };
    const result = resultOf(response, "tools/list");
    if (!Array.isArray(result.tools)) throw new InspectError("protocol", "the server answered tools/list without a tools array");
    for (const tool of result.tools) {
      if (!isRecord(tool)) skipped.push({ index, reason: "not an object" });
      else if (typeof tool.name !== "string") skipped.push({ index, reason: "no string name" });
      else tools.push(tool);
      index++;
    }
    const next = result.nextCursor;
    if (next === undefined || next === null) return { tools, skipped, pages: page };
    if (typeof next !== "string") throw new InspectError("protocol", "the server's tools/list nextCursor is not a string");
    if (seenCursors.has(next))
      throw new InspectError("protocol", `the server's tools/list pagination loops (cursor ${JSON.stringify(next)} came twice)`);
    seenCursors.add(next);
    cursor = next;
  }
  throw new InspectError("protocol", `the server's tools/list has more than ${maxPages} pages`);
}

export async function inspectServer(command: string[], options: InspectOptions = {}): Promise<ServerCatalogue> {
  const [program, ...args] = command;
  if (program === undefined) throw new InspectError("start", "no server command given");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const upstream = spawnUpstream(program, args);
  const channel = new RpcChannel(upstream);
  try {
    const initialize = resultOf(
      await channel.request(
        "initialize",
        { protocolVersion: PROTOCOL_VERSION, capabilities: CLIENT_CAPABILITIES, clientInfo: { name: "policy-wrap-inspect", version: "1" } },
        timeoutMs,
      ),
      "initialize",
    );
    channel.notify("notifications/initialized");
    const capabilities = isRecord(initialize.capabilities) ? initialize.capabilities : {};
    const list = () => listTools(channel, timeoutMs, options.maxPages ?? MAX_PAGES, isRecord(capabilities.tools));
    const changes = () => channel.notificationCount("notifications/tools/list_changed");
    let seen = changes();
    let listed = await list();
    for (let round = 0; round < MAX_RELISTS && changes() !== seen; round++) {
      seen = changes();
      listed = await list();
    }
    const targets = options.targets ? await listTargets(channel, capabilities, timeoutMs, options.maxPages ?? MAX_PAGES) : {};
    return { initialize, ...listed, ...targets };
  } finally {
    await stopUpstream(upstream);
  }
}
