import type { JsonRpcId, ResponseMessage } from "../jsonrpc/message.js";

// The contract between the relay and whatever intercepts requests (the gate).
// The relay frames, books and routes; an interceptor decides. Whatever an
// interceptor does, the relay guarantees each request exactly one answer.

export interface ClientRequest {
  id: JsonRpcId;
  /** The id as it appeared on the wire, echoed verbatim in answers the wrapper writes. */
  idRaw: string;
  method: string;
  params: unknown;
  /** The bytes to forward: exactly what was checked. */
  raw: Buffer;
}

/** What to do with the upstream's answer: pass it on as it came, or replace its result. */
export type ResponseHook = (response: ResponseMessage) => { replaceResult: unknown } | void;

/** How a forwarded request ended; reported exactly once. */
export type CallEnd =
  /** `toolError()` says whether a result carries isError: true (read without parsing a large result). */
  | { kind: "response"; response: ResponseMessage; bytes: number; toolError: () => boolean }
  /** The client cancelled it after it was forwarded: it may or may not have run. */
  | { kind: "cancelled" }
  | { kind: "upstream_gone"; reason: string };

export interface ForwardHooks {
  rewrite?: ResponseHook;
  settled?: (end: CallEnd) => void;
}

export interface OwnRequest {
  answer: Promise<ResponseMessage>;
  /** Withdraws the request (notifications/cancelled); its late answer is dropped. */
  cancel(reason: string): void;
}

/** What an interceptor may do with a request it holds. */
export interface RelayContext {
  /** Sends the request on; false when it was already answered or cancelled meanwhile. */
  forward(request: ClientRequest, hooks?: ForwardHooks): boolean;
  answer(request: ClientRequest, result: unknown): void;
  fail(request: ClientRequest, code: number, message: string, data?: unknown): void;
  requestUpstream(method: string, params: unknown): Promise<ResponseMessage>;
  /** A request of the wrapper's own to the client. */
  requestClient(method: string, params: unknown): OwnRequest;
  /** Registers what to do if the client cancels a request the wrapper still holds. */
  onCancel(request: ClientRequest, handler: () => void): void;
  notifyClient(method: string, params?: unknown): void;
}

export type Interceptor = (request: ClientRequest, relay: RelayContext) => void;
