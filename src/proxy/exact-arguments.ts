import { argumentsText } from "../json/exact-json.js";
import type { ClientRequest } from "./relay-context.js";

// The arguments of a held call as the upstream will read them: the text of
// `params.arguments` cut from the very bytes the wrapper forwards once the
// call is approved (request.raw, the canonical text of what was checked), not
// JSON.stringify of the parsed value, which rounds 9007199254740993, writes
// 1e400 as null and -0 as 0. What a person approves is this text.

/** The exact JSON text of the request's `params.arguments`, or `{}` when it has none. */
export function exactArgumentsText(request: ClientRequest): string {
  return argumentsText(request.raw.toString("utf8"));
}
