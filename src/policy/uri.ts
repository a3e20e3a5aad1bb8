import { BIDI_FORMATTING, percentNormalise, Unreadable } from "./uri-escapes.js";
import { urlLibraryForm } from "./uri-library.js";
import { checkFileLead, windowsSegment } from "./uri-file.js";

// Resource URIs as the policy compares them. One resource can be spelled many
// ways (`FILE:///home/me/%2Eaws/x`, `file:///home/me//.aws/./x`,
// `file://localhost/home/me/.aws/x`, `file:///home/me/.aws%2Fx`,
// `file:///home/me/x#/../.aws/x`), and each server resolves spellings its own
// way: a URL library, Python's urlparse and unquote, a prefix stripped and the
// rest opened. So a URI is compared in several readings, and the policy's
// verdict is the strictest of them:
//
// - literal: scheme and host in lower case, `file://localhost/` as
//   `file:///`, percent-escapes decoded except %25 %2F %5C %3F %23 %2A (kept,
//   in upper case), everything else (dot segments, query, fragment) as written;
// - resolved: as a file system would open it: query and fragment dropped, `\`,
//   %2F and %5C as `/`, empty segments dropped, `.` and `..` resolved, trailing
//   dots and spaces of a segment dropped (Windows), no trailing `/`; outside
//   `file:` the host counts as the first segment (`db://a/../b` is `db://b`);
//   in `file:` a drive `C|` read as `C:` and NTFS stream suffixes dropped;
// - opened: resolved with the query and fragment kept as part of the path, as
//   a server that strips `file://` and opens the rest does;
// - library: the literal and resolved readings of what a WHATWG URL parser
//   makes of it (uri-library.ts).
//
// What no reading can pin down is refused: control characters (also encoded),
// bidirectional formatting characters, surrounding whitespace, bad or double
// (%25xx, also once decoded) percent-encoding, bytes that are not UTF-8, a
// missing scheme, a file URI that names a host or whose path is a network or
// device path, Windows short names. docs/policy.md says the same for policy
// authors.

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const MAX_URI_CHARS = 8192;
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type UriReadings =
  | {
      ok: true;
      literal: string;
      resolved: string;
      /** Every reading (literal and resolved among them), each once. */
      readings: string[];
    }
  | { ok: false; why: string };

/** The readings of a URI, or why it cannot be compared at all. */
export function readUri(uri: string): UriReadings {
  try {
    const { scheme, rest } = splitScheme(uri);
    if (scheme === "file") checkFileLead(rest);
    const literal = readLiteral(scheme, rest);
    const resolved = readResolved(scheme, rest, false);
    const readings = [literal, resolved, readResolved(scheme, rest, true)];
    const library = urlLibraryForm(uri);
    if (library !== undefined && library !== uri) {
      const parsed = splitScheme(library);
      if (parsed.scheme === "file") checkFileLead(parsed.rest);
      readings.push(readLiteral(parsed.scheme, parsed.rest), readResolved(parsed.scheme, parsed.rest, false));
    }
    return { ok: true, literal, resolved, readings: [...new Set(readings)] };
  } catch (error) {
    if (error instanceof Unreadable) return { ok: false, why: error.message };
    throw error;
  }
}

/**
 * A policy pattern (exact URI or glob) in the literal reading's form, or why it
 * cannot be one. A pattern may start with `*` instead of a scheme. It must not
 * rely on what the resolved reading undoes (dot or empty segments, `\`, %2F):
 * such a pattern would never match the resolved reading.
 */
export function normalisePattern(pattern: string): { ok: true; text: string } | { ok: false; why: string } {
  try {
    if (pattern.startsWith("*")) {
      checkText(pattern);
      return { ok: true, text: percentNormalise(pattern) };
    }
    const { scheme, rest } = splitScheme(pattern);
    // A drive written C| (older file URIs) as C:, the form every reading of a request gives it.
    const literal = readLiteral(scheme, rest);
    const text = scheme === "file" ? literal.replace(/^file:\/\/\/([A-Za-z])\|(?=\/|$)/, "file:///$1:") : literal;
    const path = pathOf(text);
    if (pattern.includes("\\")) return { ok: false, why: "contains a backslash" };
    if (/%2F|%5C/.test(text)) return { ok: false, why: "contains an encoded slash (%2F or %5C)" };
    if (path.split("/").some((segment) => segment === "." || segment === ".."))
      return { ok: false, why: 'contains a "." or ".." segment: write the path it resolves to' };
    if (path.includes("//")) return { ok: false, why: 'contains an empty segment ("//"): write the path without it' };
    return { ok: true, text };
  } catch (error) {
    if (error instanceof Unreadable) return { ok: false, why: error.message };
    throw error;
  }
}

function checkText(text: string): void {
  if (text.length === 0) throw new Unreadable("is empty");
  if (text.length > MAX_URI_CHARS) throw new Unreadable(`is longer than ${MAX_URI_CHARS} characters`);
  if (LONE_SURROGATE.test(text)) throw new Unreadable("contains a lone surrogate");
  if (CONTROL.test(text)) throw new Unreadable("contains a control character");
  if (BIDI_FORMATTING.test(text)) throw new Unreadable("contains a bidirectional formatting character");
  if (text.trim() !== text) throw new Unreadable("starts or ends with whitespace");
  if (/%25[0-9A-Fa-f]{2}/.test(text)) throw new Unreadable("is percent-encoded twice (%25 followed by two hex digits)");
}

function splitScheme(uri: string): { scheme: string; rest: string } {
  checkText(uri);
  const match = SCHEME.exec(uri);
  if (!match) throw new Unreadable("has no scheme (such as file:)");
  return { scheme: (match[1] as string).toLowerCase(), rest: uri.slice(match[0].length) };
}

interface Parts {
  authority: string | undefined;
  path: string;
  query: string | undefined;
  fragment: string | undefined;
}

function splitParts(rest: string): Parts {
  let text = rest;
  let fragment: string | undefined;
  let query: string | undefined;
  const hash = text.indexOf("#");
  if (hash !== -1) [text, fragment] = [text.slice(0, hash), text.slice(hash + 1)];
  const mark = text.indexOf("?");
  if (mark !== -1) [text, query] = [text.slice(0, mark), text.slice(mark + 1)];
  return { ...splitAuthority(text), query, fragment };
}

function splitAuthority(text: string): { authority: string | undefined; path: string } {
  if (!text.startsWith("//")) return { authority: undefined, path: text };
  const slash = text.indexOf("/", 2);
  const end = slash === -1 ? text.length : slash;
  return { authority: text.slice(2, end), path: text.slice(end) };
}

/** Lower case; for file URIs only the empty host or localhost (read as empty): another host is another machine, or a path to some servers. */
function readAuthority(scheme: string, authority: string | undefined): string | undefined {
  if (authority === undefined) return scheme === "file" ? "" : undefined;
  const host = percentNormalise(authority).toLowerCase();
  if (scheme !== "file" || host === "") return host;
  if (host === "localhost") return "";
  throw new Unreadable(`is a file URI that names the host ${JSON.stringify(host)}`);
}

function join(scheme: string, authority: string | undefined, path: string, query?: string, fragment?: string): string {
  // file:/x and file:x are file:///x to WHATWG URL parsers.
  const fullPath = scheme === "file" && !path.startsWith("/") ? `/${path}` : path;
  return (
    `${scheme}:${authority === undefined ? "" : `//${authority}`}${fullPath}` +
    `${query === undefined ? "" : `?${query}`}${fragment === undefined ? "" : `#${fragment}`}`
  );
}

function readLiteral(scheme: string, rest: string): string {
  const parts = splitParts(rest);
  const authority = readAuthority(scheme, parts.authority);
  const query = parts.query === undefined ? undefined : percentNormalise(parts.query);
  const fragment = parts.fragment === undefined ? undefined : percentNormalise(parts.fragment);
  return join(scheme, authority, percentNormalise(parts.path), query, fragment);
}

/** The resolved reading; with `whole`, the opened one (query and fragment read as part of the path). */
function readResolved(scheme: string, rest: string, whole: boolean): string {
  const cut = whole ? -1 : rest.search(/[?#]/);
  const base = (cut === -1 ? rest : rest.slice(0, cut)).replace(/\\|%2F|%5C/gi, "/");
  const parts = splitAuthority(base);
  const authority = readAuthority(scheme, parts.authority);
  const path = percentNormalise(parts.path);
  // Outside file:, many servers take the "host" for the first path segment (`db://reports/../users` is `users` to them).
  if (scheme !== "file" && authority !== undefined) return `${scheme}://${resolvePath(`${authority}${path}`, false)}`;
  return join(scheme, authority, resolvePath(path, scheme === "file"));
}

/**
 * Dot segments resolved, empty segments and a trailing slash dropped, trailing
 * dots and spaces of a segment dropped; in a file path also what Windows
 * drops or refuses (uri-file.ts).
 */
function resolvePath(path: string, file: boolean): string {
  const out: string[] = [];
  for (const raw of path.split("/")) {
    const segment = file ? windowsSegment(raw, out.length === 0) : raw === "." || raw === ".." ? raw : raw.replace(/[. ]+$/, "");
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `${path.startsWith("/") ? "/" : ""}${out.join("/")}`;
}

/** The path of a literal reading (`/a/b` of `file:///a/b?q`). */
function pathOf(literal: string): string {
  const rest = literal.slice(literal.indexOf(":") + 1);
  return splitParts(rest).path;
}
