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

export function encodeError(idRaw: string | null, code: number, message: string, data?: unknown): string {
  const error = data === undefined ? { code, message } : { code, message, data };
  return `{"jsonrpc":"2.0","id":${idRaw ?? "null"},"error":${JSON.stringify(error)}}`;
}

export function encodeResult(idRaw: string, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${idRaw},"result":${JSON.stringify(result)}}`;
}

export function encodeRequest(idRaw: string, method: string, params: unknown): string {
  return `{"jsonrpc":"2.0","id":${idRaw},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
}
