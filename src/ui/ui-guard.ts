import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

// Who may talk to the dashboard. It listens on 127.0.0.1 only, and every
// request must carry the random token in its path (`/<token>/...`); a Host
// other than 127.0.0.1:<port> is refused (DNS rebinding: a page whose name
// now resolves to 127.0.0.1 still sends its own name); a request that changes
// anything must also come from the dashboard's own origin, as JSON (a form
// on another site can send neither), and no response ever allows CORS.

export type Verdict = { ok: true; path: string } | { ok: false; status: 403 | 405; why: string };

export interface GuardOptions {
  token: string;
  port: number;
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The path after `/<token>`, or undefined when the token is missing or wrong. */
function pathAfterToken(url: string, token: string): string | undefined {
  const pathname = url.split("?")[0] ?? "";
  const match = /^\/([^/]+)(\/.*)?$/.exec(pathname);
  if (!match || !sameText(match[1] ?? "", token)) return undefined;
  return match[2] ?? "/";
}

export function checkRequest(request: IncomingMessage, options: GuardOptions): Verdict {
  const origin = `http://127.0.0.1:${options.port}`;
  if (request.headers.host !== `127.0.0.1:${options.port}`) return { ok: false, status: 403, why: "unexpected Host" };
  const path = pathAfterToken(request.url ?? "", options.token);
  if (path === undefined) return { ok: false, status: 403, why: "missing or wrong token" };
  const method = request.method ?? "GET";
  if (SAFE_METHODS.has(method)) return { ok: true, path };
  if (method !== "POST") return { ok: false, status: 405, why: "method not allowed" };
  if (request.headers.origin !== origin) return { ok: false, status: 403, why: "foreign or missing Origin" };
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return { ok: false, status: 403, why: "not a same-origin request" };
  if (!/^application\/json\b/.test(request.headers["content-type"] ?? "")) return { ok: false, status: 403, why: "not JSON" };
  return { ok: true, path };
}

/** Sent with every response: nothing may frame, embed, refer to or script the page from elsewhere. */
export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cache-Control": "no-store",
};
