import { isRecord } from "../jsonrpc/message.js";
import type { ResponseHook } from "./relay-context.js";

// The wrapper may change the visible tools, resources and prompts at any time
// (hot reload), so it advertises listChanged for each of those capabilities
// the server has; clients such as Claude Code only listen for list_changed
// when the server said so. A capability the server lacks is not added, and
// everything else in the result is kept (when nothing needs adding, the
// server's bytes go on as they came).

const LISTED_CAPABILITIES = ["tools", "resources", "prompts"];

export const advertiseListChanged: ResponseHook = (response) => {
  const result = response.result;
  if (!isRecord(result) || !isRecord(result.capabilities)) return;
  const capabilities: Record<string, unknown> = { ...result.capabilities };
  let changed = false;
  for (const name of LISTED_CAPABILITIES) {
    const capability = capabilities[name];
    if (!isRecord(capability) || capability.listChanged === true) continue;
    capabilities[name] = { ...capability, listChanged: true };
    changed = true;
  }
  return changed ? { replaceResult: { ...result, capabilities } } : undefined;
};
