import { isRecord } from "../jsonrpc/message.js";
import type { RpcChannel } from "./rpc-channel.js";

// The server's resources, resource templates and prompts, for explain and
// validate --against (init needs only tools). A list the server does not
// declare, or answers with an error, is left out: the policy's names of that
// kind are then not checked, rather than all reported as matching nothing.

export interface ListedTargets {
  resources?: Record<string, unknown>[];
  resourceTemplates?: Record<string, unknown>[];
  prompts?: Record<string, unknown>[];
}

const LISTS = [
  { capability: "resources", method: "resources/list", field: "resources", key: "uri" },
  { capability: "resources", method: "resources/templates/list", field: "resourceTemplates", key: "uriTemplate" },
  { capability: "prompts", method: "prompts/list", field: "prompts", key: "name" },
] as const;

export async function listTargets(
  channel: RpcChannel,
  capabilities: Record<string, unknown>,
  timeoutMs: number,
  maxPages: number,
): Promise<ListedTargets> {
  const listed: ListedTargets = {};
  for (const { capability, method, field, key } of LISTS) {
    if (!isRecord(capabilities[capability])) continue;
    const entries: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    let complete = false;
    for (let page = 0; page < maxPages; page++) {
      const response = await channel.request(method, cursor === undefined ? {} : { cursor }, timeoutMs);
      const result = response.error ? undefined : response.result;
      const list = isRecord(result) ? result[field] : undefined;
      if (!isRecord(result) || !Array.isArray(list)) break;
      for (const entry of list) if (isRecord(entry) && typeof entry[key] === "string") entries.push(entry);
      const next = result.nextCursor;
      if (typeof next !== "string") {
        complete = true;
        break;
      }
      if (seen.has(next)) break;
      seen.add(next);
      cursor = next;
    }
    if (complete) listed[field] = entries;
  }
  return listed;
}
