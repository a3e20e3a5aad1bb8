// Redis's errors in words a user can act on. Only the Redis store knows these;
// everything above it sees a StoreFault. Each cause has one fixed wording (no
// addresses, ports or counts that vary), so the limiter, which says each
// distinct fault once, says a cause once. Nothing here repeats a password.

export type FaultKind =
  /** The server cannot be reached or the connection broke: the client reconnects with backoff. */
  | "connection"
  /** The server answered, with an error. */
  | "reply"
  /** No answer in time: a stalled server or a link gone silent. */
  | "timeout";

export interface Described {
  kind: FaultKind;
  text: string;
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH)/;

const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOENT: "no socket at that path",
  EACCES: "permission denied on the socket",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  ETIMEDOUT: "connecting timed out",
  ECONNRESET: "the connection was lost",
  EPIPE: "the connection was lost",
  ECONNABORTED: "the connection was lost",
};

const REPLY_PREFIXES: [RegExp, string][] = [
  [/^(WRONGPASS|NOAUTH|ERR invalid password|ERR invalid username-password|ERR AUTH)/i, "refused the user name or password"],
  [/^NOPERM|can't run this command/, "refused a command to this user (NOPERM: see docs/redis.md for the ACL it needs)"],
  [/^OOM/, "is out of memory (maxmemory) and refuses writes"],
  [/^READONLY/, "is a read-only replica: point --state at the primary"],
  [/^LOADING/, "is still loading its data set"],
  [/^MASTERDOWN/, "is a replica that lost its primary"],
  [/^MISCONF/, "cannot persist its data and refuses writes (MISCONF)"],
  [/^BUSY/, "is busy running another client's script"],
  [/^(MOVED|ASK|CROSSSLOT|CLUSTERDOWN)/, "is a Redis Cluster node that does not own these keys (this client talks to one node)"],
  [/DB index is out of range/i, "has no database with that number"],
  [/^ERR unknown command/i, "does not support a command it needs (scripting with EVAL/EVALSHA)"],
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** node-redis's error classes do not set `name`; their constructors are named. */
export function errorClass(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? error.constructor?.name : undefined;
}

/** What went wrong, in fixed words; `secret` (the password) is cut out of anything passed through. */
export function describeRedisError(error: unknown, secret: string | undefined): Described {
  const name = errorClass(error);
  const message = error instanceof Error ? error.message : String(error);
  if (name === "ErrorReply" || name === "SimpleError" || name === "BlobError") {
    for (const [pattern, text] of REPLY_PREFIXES) if (pattern.test(message)) return { kind: "reply", text };
    return { kind: "reply", text: `answered with an error: ${scrub(firstLine(message), secret)}` };
  }
  const code = codeOf(error);
  if (code !== undefined && SOCKET_CODES[code] !== undefined) return { kind: "connection", text: SOCKET_CODES[code] };
  if (code !== undefined && TLS_CODES.test(code)) {
    return { kind: "connection", text: `its TLS certificate is not trusted (${code}); add a private CA with NODE_EXTRA_CA_CERTS` };
  }
  if (/wrong version number|packet length too long|EPROTO/i.test(`${code ?? ""} ${message}`)) {
    return { kind: "connection", text: "TLS failed: is this port plain redis:// rather than rediss://?" };
  }
  switch (name) {
    case "ConnectionTimeoutError":
      return { kind: "connection", text: "connecting timed out" };
    case "SocketClosedUnexpectedlyError":
    case "DisconnectsClientError":
    case "ClientClosedError":
    case "ClientOfflineError":
      return { kind: "connection", text: "the connection was lost" };
  }
  return { kind: "connection", text: scrub(firstLine(message), secret) };
}

/** The password, raw or %-escaped, never reaches a message. */
export function scrub(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === "") return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join("***");
  return out;
}
