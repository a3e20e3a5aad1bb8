import { isRecord } from "../jsonrpc/message.js";
import type { ResponseHook } from "./relay-context.js";

// The wrapper may change the visible tool set at any time (hot reload), so it
// advertises tools.listChanged; clients such as Claude Code only listen for
// list_changed when the server said so. Everything else in the result is kept.
export const advertiseListChanged: ResponseHook = (response) => {
  const result = response.result;
  if (!isRecord(result) || !isRecord(result.capabilities) || !isRecord(result.capabilities.tools)) return;
  const tools = result.capabilities.tools;
  if (tools.listChanged === true) return;
  return { replaceResult: { ...result, capabilities: { ...result.capabilities, tools: { ...tools, listChanged: true } } } };
};
