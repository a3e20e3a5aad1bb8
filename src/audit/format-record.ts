import { escapeControl } from "../log.js";
import type { AuditRow } from "./record.js";

// A record as one table line, and as one JSON object with OpenTelemetry's
// MCP / GenAI attribute names where they exist and policy_wrap.* for the rest.
// Everything in a record may come from outside (tool names, ids, arguments,
// reasons): the table escapes it so that it can neither forge a line nor hide
// characters, and the JSON is one line whatever a value holds.

/** Identifiers from outside: anything but printable ASCII becomes a visible escape, so look-alikes and invisible characters show. */
function ident(value: string | null): string {
  if (value === null) return "-";
  const plain = /^[\x21-\x7e]+$/.test(value) && !value.includes('"');
  return plain ? value : JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const text = (value: string | null): string => escapeControl(value ?? "");

/** A JSON-RPC id from its source text: a string id as its value (`"a1"` is a1), a number as written. */
export function requestIdValue(raw: string | null): string | null {
  if (raw === null || !raw.startsWith('"')) return raw;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "string" ? value : raw;
  } catch {
    return raw;
  }
}

export const TABLE_HEADER = `${"TIME".padEnd(24)}  ${"SESSION".padEnd(8)}  ${"RECORD".padEnd(10)}  ${"TOOL".padEnd(24)}  ${"ID".padEnd(6)}  DETAIL`;

function detail(row: AuditRow): string {
  switch (row.kind) {
    case "decision": {
      const why = row.outcome === "allow" ? `by ${ident(row.rule)}` : `${row.cause ?? "?"} ${ident(row.rule)}: ${text(row.reason)}`;
      return row.mode === "monitor" ? `${why} (monitor)` : why;
    }
    case "result": {
      const code = row.error_code === null ? "" : ` ${row.error_code}`;
      const bytes = row.result_bytes === null ? "" : `, ${row.result_bytes} B`;
      return `${row.result ?? "?"}${code} after ${row.duration_ms ?? "?"} ms${bytes}`;
    }
    case "approval":
      return text(row.result);
    case "reload":
      return row.result === "accepted"
        ? `accepted policy ${(row.policy ?? "").slice(0, 12)} (${row.mode ?? "?"})`
        : `rejected: ${text(row.reason)}`;
    case "session":
      return `started ${text(row.command)}; policy ${(row.policy ?? "").slice(0, 12)} (${row.mode ?? "?"})`;
    case "gap":
      return `${text(row.details === null ? "" : safeLost(row.details))} record(s) lost: ${text(row.reason)}`;
    case "pin":
      return `${text(row.result)}${row.cause === null ? "" : ` (${text(row.cause)})`}${row.outcome === null ? "" : `, ${row.outcome}`}`;
    default:
      return text(row.reason ?? row.details);
  }
}

function safeLost(details: string): string {
  try {
    return String((JSON.parse(details) as { lost?: unknown }).lost ?? "?");
  } catch {
    return "?";
  }
}

export function formatTableLine(row: AuditRow): string {
  const what = row.kind === "decision" ? (row.outcome ?? "?") : row.kind;
  return [
    text(row.time).padEnd(24),
    text(row.session.slice(0, 8)).padEnd(8),
    what.padEnd(10),
    ident(row.tool).padEnd(24),
    ident(requestIdValue(row.request_id)).padEnd(6),
    detail(row),
  ].join("  ");
}

function errorType(row: AuditRow): string | undefined {
  if (row.kind !== "result" || row.result === null || row.result === "ok") return undefined;
  if (row.result === "rpc_error" && row.error_code !== null) return String(row.error_code);
  return row.result;
}

function parsed(json: string | null): unknown {
  if (json === null) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

/** OpenTelemetry's MCP attribute for what a request is about. */
function targetAttribute(method: string | null): string {
  if (method?.startsWith("resources/")) return "mcp.resource.uri";
  if (method?.startsWith("prompts/")) return "gen_ai.prompt.name";
  return "gen_ai.tool.name";
}

export function toJsonRecord(row: AuditRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: row.time,
    "policy_wrap.seq": row.seq,
    "policy_wrap.record": row.kind,
    "mcp.session.id": row.session,
    "mcp.method.name": row.method ?? undefined,
    "gen_ai.operation.name": row.method === "tools/call" ? "execute_tool" : undefined,
    // The target column holds a tool's name, a resource's URI or a prompt's name; the method says which.
    [targetAttribute(row.method)]: row.tool ?? undefined,
    "jsonrpc.request.id": requestIdValue(row.request_id) ?? undefined,
    "network.transport": row.method === null ? undefined : "pipe",
    "error.type": errorType(row),
    "rpc.response.status_code": row.error_code === null ? undefined : String(row.error_code),
    "gen_ai.tool.call.arguments": row.arguments ?? undefined,
    "policy_wrap.arguments_sha256": row.arguments_hash ?? undefined,
    "policy_wrap.outcome": row.outcome ?? undefined,
    "policy_wrap.cause": row.cause ?? undefined,
    "policy_wrap.rule": row.rule ?? undefined,
    "policy_wrap.reason": row.reason ?? undefined,
    "policy_wrap.grant": row.grant_name ?? undefined,
    "policy_wrap.server.name": row.server ?? undefined,
    "policy_wrap.server.command": row.command ?? undefined,
    "policy_wrap.policy_sha256": row.policy ?? undefined,
    "policy_wrap.mode": row.mode ?? undefined,
    "policy_wrap.result": row.result ?? undefined,
    "policy_wrap.duration_ms": row.duration_ms ?? undefined,
    "policy_wrap.result_bytes": row.result_bytes ?? undefined,
    "policy_wrap.details": parsed(row.details),
    "policy_wrap.prev_hash": row.prev_hash,
    "policy_wrap.hash": row.hash,
  };
  return out;
}

/** One line: JSON.stringify leaves U+2028/U+2029 raw, which some line readers (Python's splitlines) take as line ends. */
export function formatJsonLine(row: AuditRow): string {
  return JSON.stringify(toJsonRecord(row)).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
