// JSON-RPC error codes the wrapper itself answers with, and the encoders for
// the few messages it writes of its own. Ids are kept as their raw source text
// so that an id like 9007199254740993 is echoed exactly, not as a rounded double.

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** Server-defined range: the upstream went away before it answered. */
export const UPSTREAM_UNAVAILABLE = -32000;
/** Server-defined range: a message was larger than --max-message-bytes. */
export const MESSAGE_TOO_LARGE = -32001;

// Raw U+0085, U+2028 and U+2029 are valid in JSON strings, but Python's
// str.splitlines() and some other readers end a line there: every message the
// wrapper writes has them escaped, as the messages it forwards do.
const LINE_BREAKS = /[\u0085\u2028\u2029]/;
const LINE_BREAKS_ALL = /[\u0085\u2028\u2029]/g;

/** The text with U+0085, U+2028 and U+2029 written as \u escapes (valid only where they sit inside JSON strings). */
export function escapeLineBreaks(json: string): string {
  if (!LINE_BREAKS.test(json)) return json;
  return json.replace(LINE_BREAKS_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** JSON.stringify, with nothing in it that any line reader could take for a line end. */
export function stringifyLine(value: unknown): string {
  return escapeLineBreaks(JSON.stringify(value));
}

export function encodeError(idRaw: string | null, code: number, message: string, data?: unknown): string {
  const error = data === undefined ? { code, message } : { code, message, data };
  return escapeLineBreaks(`{"jsonrpc":"2.0","id":${idRaw ?? "null"},"error":${JSON.stringify(error)}}`);
}

export function encodeResult(idRaw: string, result: unknown): string {
  return escapeLineBreaks(`{"jsonrpc":"2.0","id":${idRaw},"result":${JSON.stringify(result)}}`);
}

export function encodeRequest(idRaw: string, method: string, params: unknown): string {
  return escapeLineBreaks(`{"jsonrpc":"2.0","id":${idRaw},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`);
}

export function encodeNotification(method: string, params?: unknown): string {
  return stringifyLine(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params });
}
