import { isRecord } from "../jsonrpc/message.js";
import { MESSAGE_TOO_LARGE } from "../jsonrpc/wire-errors.js";
import type { RelayContext } from "./relay-context.js";

// Fetches every page of the upstream's tools/list with the wrapper's own
// requests. Clients such as Claude.ai never follow nextCursor; one merged page
// serves them all, and filtering happens on the whole list at once.

const MAX_PAGES = 1000;
/** All pages together: one tools/list holds no more than this (real catalogues are well under 1 MiB). */
export const MAX_LIST_BYTES = 16 * 1024 * 1024;

export class UpstreamListError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface ToolPage {
  /** Fields of the first page other than tools and nextCursor, kept for the client. */
  rest: Record<string, unknown>;
  tools: Record<string, unknown>[];
}

export async function listAllTools(relay: RelayContext, params: unknown): Promise<ToolPage> {
  const base = isRecord(params) ? { ...params } : {};
  let cursor = typeof base.cursor === "string" ? base.cursor : undefined;
  delete base.cursor;
  const seenCursors = new Set<string>();
  const tools: Record<string, unknown>[] = [];
  let rest: Record<string, unknown> | undefined;
  let held = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await relay.requestUpstream("tools/list", cursor === undefined ? base : { ...base, cursor });
    held += response.bytes ?? 0;
    if (held > MAX_LIST_BYTES) {
      throw new UpstreamListError(MESSAGE_TOO_LARGE, `The upstream's tools/list pages add up to more than ${MAX_LIST_BYTES} bytes`);
    }
    if (response.error) {
      const code = typeof response.error.code === "number" ? response.error.code : -32603;
      throw new UpstreamListError(code, String(response.error.message ?? "tools/list failed upstream"), response.error.data);
    }
    const result = response.result;
    if (!isRecord(result) || !Array.isArray(result.tools))
      throw new UpstreamListError(-32603, "The upstream answered tools/list without a tools array");
    for (const tool of result.tools) if (isRecord(tool)) tools.push(tool);
    if (!rest) {
      const { tools: _tools, nextCursor: _next, ...others } = result;
      rest = others;
    }
    if (typeof result.nextCursor !== "string") return { rest, tools };
    if (seenCursors.has(result.nextCursor)) throw new UpstreamListError(-32603, "The upstream's tools/list pagination loops");
    seenCursors.add(result.nextCursor);
    cursor = result.nextCursor;
  }
  throw new UpstreamListError(-32603, `The upstream's tools/list has more than ${MAX_PAGES} pages`);
}
