import { foldKey } from "../json/fold-key.js";

// Guards that sort a parsed line into request, notification or response,
// without touching anything but the envelope.

export type JsonRpcId = string | number;

export interface RequestMessage {
  kind: "request";
  id: JsonRpcId;
  method: string;
  params: unknown;
}
export interface NotificationMessage {
  kind: "notification";
  method: string;
  params: unknown;
}
export interface ResponseMessage {
  kind: "response";
  id: JsonRpcId;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
  /** The size on the wire, on answers to the wrapper's own requests. */
  bytes?: number;
}
export type Message = RequestMessage | NotificationMessage | ResponseMessage;
export type Classified = Message | { kind: "invalid"; reason: string; id: JsonRpcId | null };

const ENVELOPE_KEYS = ["jsonrpc", "id", "method", "params", "result", "error"];

/** Marks a large message whose result is parsed on first read (see scan-envelope). */
export const PARSED_ON_DEMAND = Symbol("parsed on demand");

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isValidId(value: unknown): value is JsonRpcId {
  return typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
}

/**
 * A key a case-insensitive binder (Go's encoding/json, Jackson, System.Text.Json)
 * would read as one of `known` without being it: "Name", "paramſ", "argumentſ".
 */
export function findCaseVariantKey(object: Record<string, unknown>, known: readonly string[]): string | undefined {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const folded = foldKey(key);
    if (known.some((k) => foldKey(k) === folded)) return key;
  }
  return undefined;
}

/**
 * A method name that is not `governed` but that a lenient dispatcher could take
 * for it: other case, surrounding whitespace, or a NUL that ends a C string.
 */
export function findGovernedVariant(method: string, governed: Iterable<string>): string | undefined {
  if (typeof method !== "string") return undefined;
  const mine = looseMethod(method);
  for (const name of governed) if (name !== method && looseMethod(name) === mine) return name;
  return undefined;
}

/** A method name as a lenient dispatcher may read it: up to a NUL, trimmed, case-folded. */
function looseMethod(name: string): string {
  return foldKey(name.split("\u0000")[0]?.trim() ?? "");
}

/**
 * findGovernedVariant for a fixed set of governed methods, with their loose
 * forms computed once: the relay asks it for every request and notification.
 * It gives the same answer as findGovernedVariant(method, governed).
 */
export function governedVariantFinder(governed: Iterable<string>): (method: string) => string | undefined {
  const byLoose = new Map<string, string[]>();
  for (const name of governed) {
    const loose = looseMethod(name);
    const names = byLoose.get(loose);
    if (names) names.push(name);
    else byLoose.set(loose, [name]);
  }
  return (method) => {
    if (typeof method !== "string") return undefined;
    const names = byLoose.get(looseMethod(method));
    if (names === undefined) return undefined;
    for (const name of names) if (name !== method) return name;
    return undefined;
  };
}

export function classifyMessage(value: unknown): Classified {
  if (!isRecord(value)) return { kind: "invalid", reason: "a message must be a JSON object", id: null };
  const id = isValidId(value.id) ? value.id : null;
  if (value.jsonrpc !== "2.0") return { kind: "invalid", reason: 'jsonrpc must be "2.0"', id };
  const variant = findCaseVariantKey(value, ENVELOPE_KEYS);
  if (variant !== undefined) return { kind: "invalid", reason: `ambiguous member "${variant}"`, id };
  if ("method" in value) {
    if (typeof value.method !== "string") return { kind: "invalid", reason: "method must be a string", id };
    if ("result" in value || "error" in value) return { kind: "invalid", reason: "a request cannot carry result or error", id };
    if (!("id" in value)) return { kind: "notification", method: value.method, params: value.params };
    if (id === null) return { kind: "invalid", reason: "id must be a string or an integer", id: null };
    return { kind: "request", id, method: value.method, params: value.params };
  }
  if (id === null) return { kind: "invalid", reason: "a response needs a string or integer id", id: null };
  const hasResult = "result" in value;
  const hasError = isRecord(value.error);
  if (hasResult === hasError) return { kind: "invalid", reason: "a response carries exactly one of result or error", id };
  if (!hasResult) return { kind: "response", id, error: value.error as ResponseMessage["error"] };
  if (!(PARSED_ON_DEMAND in value)) return { kind: "response", id, result: value.result };
  // A large message: its result is parsed only if someone reads it.
  const response = { kind: "response", id } as ResponseMessage;
  Object.defineProperty(response, "result", { enumerable: true, get: () => value.result });
  return response;
}

/** Map key for an id: strings and numbers never collide ("1" is not 1). */
export function idKey(id: JsonRpcId): string {
  return typeof id === "string" ? `s${id}` : `n${id}`;
}
