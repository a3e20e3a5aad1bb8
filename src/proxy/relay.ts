import { isUtf8 } from "node:buffer";
import type { Readable, Writable } from "node:stream";
import { scanJson } from "../json/scan-json.js";
import { EDGE_BYTES, LineSplitter, type OversizeLine } from "../jsonrpc/line-splitter.js";
import { LineWriter } from "../jsonrpc/line-writer.js";
import { foldKey } from "../json/fold-key.js";
import { attachNumberLiterals } from "../json/number-literals.js";
import { recordExactNumbers } from "../json/upstream-numbers.js";
import { classifyMessage, governedVariantFinder, isRecord, type JsonRpcId, type ResponseMessage } from "../jsonrpc/message.js";
import { ByteParts, isUtf8Parts } from "../jsonrpc/byte-parts.js";
import { resultIsError } from "../jsonrpc/result-flag.js";
import { envelopeObject, scanEnvelope } from "../jsonrpc/scan-envelope.js";
import { sniffId } from "../jsonrpc/sniff-id.js";
import {
  encodeError,
  encodeNotification,
  encodeRequest,
  encodeResult,
  escapeLineBreaks,
  INTERNAL_ERROR,
  INVALID_REQUEST,
  MESSAGE_TOO_LARGE,
  PARSE_ERROR,
  UPSTREAM_UNAVAILABLE,
} from "../jsonrpc/wire-errors.js";
import { preview, type Logger } from "../log.js";
import { OwnRequests } from "./own-requests.js";
import { PendingRequests, type PendingRequest } from "./pending-requests.js";
import type { CallEnd, ClientRequest, ForwardHooks, Interceptor, OwnRequest, RelayContext } from "./relay-context.js";

// The relay moves messages between client and upstream. It frames, sorts and
// books requests so that each one gets exactly one answer; what a request means
// is left to the interceptors (the gate among them). Every client message
// that goes on travels as the canonical text of what was checked (see
// json/scan-json), so that no reader upstream can frame or parse it otherwise;
// the upstream's messages travel as their original bytes.

/** Deeper client messages are refused: JSON.stringify and ajv overflow the stack on them. */
const MAX_CLIENT_DEPTH = 1000;
/** From this size on, the upstream's messages stay in their chunks and are read by their envelope only. */
const LARGE_MESSAGE_BYTES = 1024 * 1024;
/** Client notifications travel only in MCP's notification namespace: a request without an id is never passed on. */
const NOTIFICATION_PREFIX = "notifications/";
const UNENCODABLE = "Internal error in policy-wrap: the answer could not be encoded";

export interface RelayEndpoints {
  clientInput: Readable;
  clientOutput: Writable;
  upstreamInput: Writable;
  upstreamOutput: Readable;
}

export interface RelayOptions {
  maxMessageBytes: number;
  log: Logger;
  interceptors: ReadonlyMap<string, Interceptor>;
  onClientClosed: () => void;
  /** Sees each notification from the upstream before it goes on to the client (tools/list_changed, for pins). */
  onUpstreamNotification?: (method: string) => void;
}

export class Relay implements RelayContext {
  readonly #endpoints: RelayEndpoints;
  readonly #options: RelayOptions;
  readonly #log: Logger;
  readonly #pending = new PendingRequests();
  readonly #ownUpstream = new OwnRequests();
  readonly #ownClient = new OwnRequests();
  readonly #toClient: LineWriter;
  readonly #toUpstream: LineWriter;
  /** A spelling of a method the interceptors govern that a lenient dispatcher could take for it. */
  readonly #governedVariant: (method: string) => string | undefined;
  #upstreamGone: string | undefined;

  constructor(endpoints: RelayEndpoints, options: RelayOptions) {
    this.#endpoints = endpoints;
    this.#options = options;
    this.#log = options.log;
    this.#toClient = new LineWriter(endpoints.clientOutput);
    this.#toUpstream = new LineWriter(endpoints.upstreamInput);
    this.#governedVariant = governedVariantFinder(options.interceptors.keys());
    this.#toClient.throttle(endpoints.upstreamOutput);
    this.#toUpstream.throttle(endpoints.clientInput);
  }

  start(): void {
    const { clientInput, upstreamOutput } = this.#endpoints;
    const max = this.#options.maxMessageBytes;
    const fromClient = new LineSplitter(max, {
      line: (line) => this.#onClientLine(line),
      oversize: (info) => this.#onClientOversize(info),
    });
    const fromUpstream = new LineSplitter(max, {
      line: (line) => this.#onUpstreamLine(line),
      oversize: (info) => this.#onUpstreamOversize(info),
      largeLine: { minBytes: LARGE_MESSAGE_BYTES, handle: (parts) => this.#onUpstreamLargeLine(new ByteParts(parts)) },
    });
    clientInput.on("data", (chunk: Buffer) => this.#whileHeld(() => fromClient.push(chunk)));
    clientInput.once("end", () => {
      fromClient.end();
      this.#options.onClientClosed();
    });
    upstreamOutput.on("data", (chunk: Buffer) => this.#whileHeld(() => fromUpstream.push(chunk)));
    upstreamOutput.once("end", () => fromUpstream.end());
  }

  /** What one input chunk makes the relay write leaves in one write per side, once the chunk is done. */
  #whileHeld(work: () => void): void {
    this.#toClient.hold();
    this.#toUpstream.hold();
    try {
      work();
    } finally {
      this.#toClient.release();
      this.#toUpstream.release();
    }
  }

  /** The upstream is gone: every request still waiting gets its error now. */
  upstreamGone(reason: string): void {
    this.#upstreamGone = reason;
    for (const entry of this.#pending.takeAll()) {
      this.#toClient.write(encodeError(entry.idRaw, UPSTREAM_UNAVAILABLE, `Upstream server unavailable: ${reason}`));
      if (entry.forwarded) this.#ended(entry, { kind: "upstream_gone", reason });
    }
    this.#ownUpstream.rejectAll(new Error(`upstream server unavailable: ${reason}`));
    this.#ownClient.rejectAll(new Error(`upstream server unavailable: ${reason}`));
    this.#toUpstream.end();
  }

  forward(request: ClientRequest, hooks?: ForwardHooks): boolean {
    const entry = this.#pending.get(request.id);
    if (!entry || entry.forwarded) return false;
    entry.forwarded = true;
    entry.hooks = hooks;
    this.#toUpstream.write(request.raw);
    return true;
  }

  answer(request: ClientRequest, result: unknown): void {
    this.#settle(request, (idRaw) => encodeResult(idRaw, result));
  }

  fail(request: ClientRequest, code: number, message: string, data?: unknown): void {
    this.#settle(request, (idRaw) => encodeError(idRaw, code, message, data));
  }

  /** Encodes first and takes the entry after, so that an answer that cannot be encoded still answers (with an error). */
  #settle(request: ClientRequest, encode: (idRaw: string) => string): void {
    const entry = this.#pending.get(request.id);
    if (!entry) return;
    let line: string;
    try {
      line = encode(entry.idRaw);
    } catch (error) {
      this.#log.error(`encoding the answer to ${entry.method} failed: ${String(error)}`);
      line = encodeError(entry.idRaw, INTERNAL_ERROR, UNENCODABLE);
    }
    this.#pending.take(request.id);
    this.#toClient.write(line);
  }

  requestClient(method: string, params: unknown): OwnRequest {
    const { id, answer } = this.#ownClient.open();
    // Our own ids and params: encoding cannot fail (params come from a checked, depth-bounded message).
    this.#toClient.write(encodeRequest(JSON.stringify(id), method, params));
    return {
      answer,
      cancel: (reason) => {
        if (!this.#ownClient.owns(id)) return;
        this.#ownClient.forget(id);
        this.notifyClient("notifications/cancelled", { requestId: id, reason });
      },
    };
  }

  onCancel(request: ClientRequest, handler: () => void): void {
    const entry = this.#pending.get(request.id);
    if (entry && !entry.forwarded) entry.onCancel = handler;
  }

  notifyClient(method: string, params?: unknown): void {
    this.#toClient.write(encodeNotification(method, params));
  }

  requestUpstream(method: string, params: unknown): Promise<ResponseMessage> {
    if (this.#upstreamGone !== undefined) {
      return Promise.reject(new Error(`upstream server unavailable: ${this.#upstreamGone}`));
    }
    const { id, answer } = this.#ownUpstream.open();
    let line: string;
    try {
      line = encodeRequest(JSON.stringify(id), method, params);
    } catch (error) {
      this.#ownUpstream.forget(id);
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.#toUpstream.write(line);
    return answer;
  }

  #reply(idRaw: string | null, code: number, message: string): void {
    this.#toClient.write(encodeError(idRaw, code, message));
  }

  #onClientLine(line: Buffer): void {
    if (!isUtf8(line)) {
      this.#reply(null, PARSE_ERROR, "Parse error: the message is not valid UTF-8");
      return;
    }
    const text = line.toString("utf8");
    const scan = scanJson(text, { maxDepth: MAX_CLIENT_DEPTH, strict: true });
    if (!scan.ok) {
      const edges = [line.subarray(0, EDGE_BYTES), line.subarray(Math.max(0, line.length - EDGE_BYTES))] as const;
      const idAmbiguous = scan.key !== undefined && foldKey(scan.key) === "id";
      const idRaw = scan.problem === "syntax" || idAmbiguous ? null : this.#freeId(sniffId(...edges));
      const code = scan.problem === "syntax" ? PARSE_ERROR : INVALID_REQUEST;
      const reason = `${code === PARSE_ERROR ? "Parse error" : "Invalid Request"}: ${scan.message}`;
      if (code === INVALID_REQUEST && this.#refuseResponse(text, reason)) return;
      this.#reply(idRaw, code, reason);
      return;
    }
    if (scan.topLevel === "array") {
      this.#reply(null, INVALID_REQUEST, "Invalid Request: batches (top-level arrays) are not supported");
      return;
    }
    const value: unknown = JSON.parse(text);
    if (scan.numberLiterals.length > 0) attachNumberLiterals(value, scan.numberLiterals);
    const message = classifyMessage(value);
    const idRaw = scan.members.get("id") ?? null;
    // What goes on is what was checked, in a form every reader frames and parses alike.
    const wire = scan.canonical === undefined ? line : Buffer.from(scan.canonical);
    if (message.kind === "request" || message.kind === "notification") {
      const governed = this.#governedVariant(message.method);
      if (governed !== undefined) {
        const reason = `Invalid Request: method ${JSON.stringify(message.method)} is not ${JSON.stringify(governed)}; refused as ambiguous`;
        if (message.kind === "request") this.#reply(this.#freeId(idRaw), INVALID_REQUEST, reason);
        else this.#log.warn(`dropped a client notification: ${reason}`);
        return;
      }
    }
    switch (message.kind) {
      case "invalid":
        this.#reply(message.id === null ? null : this.#freeId(idRaw), INVALID_REQUEST, `Invalid Request: ${message.reason}`);
        return;
      case "notification":
        if (message.method === "notifications/cancelled" && this.#cancel(message.params)) return;
        if (!message.method.startsWith(NOTIFICATION_PREFIX) || this.#options.interceptors.has(message.method)) {
          // A request without an id would run unchecked on a server that runs notifications, and get no answer.
          this.#log.warn(
            `dropped a client notification of method ${JSON.stringify(message.method)}: only ${NOTIFICATION_PREFIX}* travel without an id`,
          );
          return;
        }
        this.#toUpstream.write(wire);
        return;
      case "response":
        if (this.#ownClient.settle(message)) return;
        this.#toUpstream.write(wire);
        return;
      case "request":
        this.#enter({ id: message.id, idRaw: idRaw as string, method: message.method, params: message.params, raw: wire });
    }
  }

  /**
   * A refused line that is valid JSON and a client's answer (to sampling,
   * elicitation, roots) is not answered back to the client, which would take
   * the error for an answer to a request of its own: the request it answered
   * gets the error instead, so that it too ends with exactly one answer.
   */
  #refuseResponse(text: string, reason: string): boolean {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return false;
    }
    if (!isRecord(value) || "method" in value || !("result" in value || "error" in value)) return false;
    const id = value.id;
    if (typeof id !== "string" && !(typeof id === "number" && Number.isSafeInteger(id))) return false;
    const refused = `${reason} (policy-wrap refused the client's answer)`;
    if (!this.#ownClient.settle({ kind: "response", id, error: { code: INVALID_REQUEST, message: refused } })) {
      this.#toUpstream.write(encodeError(JSON.stringify(id), INVALID_REQUEST, refused));
    }
    this.#log.warn(`refused a client answer to request ${JSON.stringify(id)}: ${reason}`);
    return true;
  }

  /**
   * A cancelled request the upstream never saw is dropped here: no answer,
   * nothing forwarded (true). One it was sent ends as cancelled for the hooks,
   * and the cancellation goes on to the upstream (false).
   */
  #cancel(params: unknown): boolean {
    if (!isRecord(params)) return false;
    const id = params.requestId;
    if (typeof id !== "string" && typeof id !== "number") return false;
    const entry = this.#pending.get(id);
    if (!entry) return false;
    if (entry.forwarded) {
      this.#ended(entry, { kind: "cancelled" });
      return false;
    }
    this.#pending.take(id);
    entry.onCancel?.();
    return true;
  }

  #ended(entry: PendingRequest, end: CallEnd): void {
    if (entry.ended) return;
    entry.ended = true;
    try {
      entry.hooks?.settled?.(end);
    } catch (error) {
      this.#log.error(`settling ${entry.method} failed: ${String(error)}`);
    }
  }

  /** An id already in flight must not be answered: the answer would settle the other request. */
  #freeId(idRaw: string | null): string | null {
    const id = parseId(idRaw);
    if (id === undefined || this.#pending.has(id) || this.#ownUpstream.owns(id)) return null;
    return idRaw;
  }

  #enter(request: ClientRequest): void {
    if (this.#pending.has(request.id) || this.#ownUpstream.owns(request.id)) {
      this.#reply(null, INVALID_REQUEST, `Invalid Request: id ${request.idRaw} is already used by a request in flight`);
      return;
    }
    this.#pending.add({
      id: request.id,
      idRaw: request.idRaw,
      method: request.method,
      forwarded: false,
      hooks: undefined,
      ended: false,
      onCancel: undefined,
    });
    if (this.#upstreamGone !== undefined) {
      this.fail(request, UPSTREAM_UNAVAILABLE, `Upstream server unavailable: ${this.#upstreamGone}`);
      return;
    }
    const interceptor = this.#options.interceptors.get(request.method);
    if (!interceptor) {
      this.forward(request);
      return;
    }
    try {
      interceptor(request, this);
    } catch (error) {
      this.#log.error(`handling ${request.method} failed: ${String(error)}`);
      this.fail(request, INTERNAL_ERROR, "Internal error in policy-wrap");
    }
  }

  #onClientOversize(info: OversizeLine): void {
    this.#log.warn(`dropped a client message of ${info.bytes} bytes (over --max-message-bytes)`);
    this.#reply(
      this.#freeId(sniffId(info.head, info.tail)),
      MESSAGE_TOO_LARGE,
      `Message of ${info.bytes} bytes exceeds the limit of ${this.#options.maxMessageBytes} bytes`,
    );
  }

  #onUpstreamLine(line: Buffer): void {
    if (!isUtf8(line)) {
      this.#log.warn("dropped a line from the upstream that is not valid UTF-8");
      return;
    }
    let value: unknown;
    const text = line.toString("utf8");
    try {
      value = JSON.parse(text);
    } catch {
      this.#log.warn(`dropped a line from the upstream that is not JSON: ${preview(line.toString("utf8", 0, 200))}`);
      return;
    }
    this.#routeUpstream(
      value,
      line,
      () => line.toString("utf8", 0, 200),
      undefined,
      () => text,
    );
  }

  #onUpstreamLargeLine(bytes: ByteParts): void {
    if (!isUtf8Parts(bytes.parts)) {
      this.#log.warn(`dropped a message of ${bytes.length} bytes from the upstream that is not valid UTF-8`);
      return;
    }
    const envelope = scanEnvelope(bytes);
    const value = envelope && envelopeObject(bytes, envelope);
    if (value === undefined) {
      this.#log.warn(
        `dropped a message of ${bytes.length} bytes from the upstream that is not a JSON object: ${preview(bytes.text(0, 200))}`,
      );
      return;
    }
    this.#routeUpstream(
      value,
      bytes.parts,
      () => bytes.text(0, 200),
      () => resultIsError(bytes, envelope as NonNullable<typeof envelope>),
      () => bytes.text(0, bytes.length),
    );
  }

  /**
   * `payload` is what goes to the client if the message passes unchanged;
   * `toolError` reads a large result's isError without parsing the result;
   * `text` is the whole message, read again for the exact numbers of answers
   * to the wrapper's own requests (tool lists, whose definitions are pinned).
   */
  #routeUpstream(value: unknown, payload: Buffer | Buffer[], head: () => string, toolError?: () => boolean, text?: () => string): void {
    const message = classifyMessage(value);
    if (message.kind === "invalid") {
      this.#log.warn(`dropped an invalid message from the upstream (${message.reason}): ${preview(head())}`);
    } else if (message.kind !== "response") {
      if (message.kind === "notification") this.#options.onUpstreamNotification?.(message.method);
      this.#toClient.write(payload);
    } else {
      // The wrapper's own answers (tool lists, whose definitions are pinned) are read again for their exact numbers.
      if (text && this.#ownUpstream.owns(message.id)) recordExactNumbers(value, text());
      const bytes = Buffer.isBuffer(payload) ? payload.length : sumLengths(payload);
      if (!this.#ownUpstream.settle(Object.assign(message, { bytes })))
        this.#deliver(message, payload, toolError ?? (() => isRecord(message.result) && message.result.isError === true));
    }
  }

  /** The entry for an answer from the upstream; only requests it was actually sent qualify. */
  #takeForwarded(id: JsonRpcId): PendingRequest | undefined {
    // An answer to a request the upstream never received would bypass the gate.
    if (!this.#pending.get(id)?.forwarded) return undefined;
    return this.#pending.take(id);
  }

  #deliver(response: ResponseMessage, line: Buffer | Buffer[], toolError: () => boolean): void {
    const entry = this.#takeForwarded(response.id);
    if (!entry) {
      this.#log.warn(`dropped a response from the upstream to unknown request id ${JSON.stringify(response.id)}`);
      return;
    }
    const bytes = Buffer.isBuffer(line) ? line.length : line.reduce((sum, part) => sum + part.length, 0);
    this.#ended(entry, { kind: "response", response, bytes, toolError });
    const rewrite = entry.hooks?.rewrite;
    if (rewrite) {
      try {
        const replaced = rewrite(response);
        if (replaced) {
          this.#toClient.write(encodeResult(entry.idRaw, replaced.replaceResult));
          return;
        }
      } catch (error) {
        this.#log.error(`post-processing the answer to ${entry.method} failed: ${String(error)}`);
      }
    }
    this.#toClient.write(line);
  }

  #onUpstreamOversize(info: OversizeLine): void {
    this.#log.warn(`dropped a message of ${info.bytes} bytes from the upstream (over --max-message-bytes)`);
    const id = parseId(sniffId(info.head, info.tail));
    if (id === undefined) return;
    const reason = `The upstream's answer of ${info.bytes} bytes exceeds the limit of ${this.#options.maxMessageBytes} bytes`;
    const entry = this.#takeForwarded(id);
    if (entry) {
      const response = { kind: "response", id, error: { code: MESSAGE_TOO_LARGE, message: reason } } as const;
      this.#ended(entry, { kind: "response", response, bytes: info.bytes, toolError: () => false });
      this.#toClient.write(encodeError(entry.idRaw, MESSAGE_TOO_LARGE, reason));
    } else if (this.#ownUpstream.owns(id)) {
      this.#ownUpstream.settle({ kind: "response", id, error: { code: MESSAGE_TOO_LARGE, message: reason } });
    }
  }
}

/** A sniffed id, or undefined when it does not parse (a cut or badly escaped string). */
function parseId(idRaw: string | null): JsonRpcId | undefined {
  if (idRaw === null) return undefined;
  try {
    const id: unknown = JSON.parse(idRaw);
    return typeof id === "string" || typeof id === "number" ? id : undefined;
  } catch {
    return undefined;
  }
}

function sumLengths(parts: readonly Buffer[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}
