import { scanJson } from "../json/scan-json.js";
import type { ClientRequest } from "./relay-context.js";

// The arguments of a held call as the upstream will read them: the text of
// `params.arguments` cut from the very bytes the wrapper forwards once the
// call is approved (request.raw, the canonical text of what was checked), not
// JSON.stringify of the parsed value, which rounds 9007199254740993, writes
// 1e400 as null and -0 as 0. What a person approves is this text.

/** Deep enough for any message the relay accepts (it refuses nesting deeper than 1000). */
const MAX_DEPTH = 1001;

/** The exact JSON text of the request's `params.arguments`, or `{}` when it has none. */
export function exactArgumentsText(request: ClientRequest): string {
  const params = memberText(request.raw.toString("utf8"), "params");
  const args = params === undefined ? undefined : memberText(params, "arguments");
  return args ?? "{}";
}

function memberText(text: string, key: string): string | undefined {
  const scan = scanJson(text, { maxDepth: MAX_DEPTH });
  // The relay checked this text already; a scan that fails here has nothing to offer but an error.
  if (!scan.ok) throw new Error(`the forwarded request cannot be read again: ${scan.message}`);
  return scan.topLevel === "object" ? scan.members.get(key) : undefined;
}
