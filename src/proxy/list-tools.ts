import { isRecord } from "../jsonrpc/message.js";
import { MESSAGE_TOO_LARGE } from "../jsonrpc/wire-errors.js";
import type { RelayContext } from "./relay-context.js";

// Fetches every page of the upstream's tools/list (and resources/list,
// resources/templates/list, prompts/list) with the wrapper's own requests. Clients such as Claude.ai never follow nextCursor; one merged page
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

export interface ListedPages {
  /** Fields of the first page other than the list and nextCursor, kept for the client. */
  rest: Record<string, unknown>;
  items: Record<string, unknown>[];
}

export async function listAllTools(relay: RelayContext, params: unknown): Promise<ToolPage> {
  const { rest, items } = await listAllPages(relay, "tools/list", "tools", params);
  return { rest, tools: items };
}

/** Every page of a list (`tools/list` and `tools`, `resources/list` and `resources`, ...), from the client's cursor on. */
export async function listAllPages(relay: RelayContext, method: string, field: string, params: unknown): Promise<ListedPages> {
  const base = isRecord(params) ? { ...params } : {};
  let cursor = typeof base.cursor === "string" ? base.cursor : undefined;
  delete base.cursor;
  const seenCursors = new Set<string>();
  const items: Record<string, unknown>[] = [];
  let rest: Record<string, unknown> | undefined;
  let held = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await relay.requestUpstream(method, cursor === undefined ? base : { ...base, cursor });
    held += response.bytes ?? 0;
    if (held > MAX_LIST_BYTES) {
      throw new UpstreamListError(MESSAGE_TOO_LARGE, `The upstream's ${method} pages add up to more than ${MAX_LIST_BYTES} bytes`);
    }
    if (response.error) {
      const code = typeof response.error.code === "number" ? response.error.code : -32603;
      throw new UpstreamListError(code, String(response.error.message ?? `${method} failed upstream`), response.error.data);
    }
    const result = response.result;
    const list = isRecord(result) ? result[field] : undefined;
    if (!isRecord(result) || !Array.isArray(list))
      throw new UpstreamListError(-32603, `The upstream answered ${method} without a ${field} array`);
    for (const item of list) if (isRecord(item)) items.push(item);
    if (!rest) {
      const { [field]: _list, nextCursor: _next, ...others } = result;
      rest = others;
    }
    if (typeof result.nextCursor !== "string") return { rest, items };
    if (seenCursors.has(result.nextCursor)) throw new UpstreamListError(-32603, `The upstream's ${method} pagination loops`);
    seenCursors.add(result.nextCursor);
    cursor = result.nextCursor;
  }
  throw new UpstreamListError(-32603, `The upstream's ${method} has more than ${MAX_PAGES} pages`);
}
