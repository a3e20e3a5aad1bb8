// The Redis (or Valkey) address in `--state`, read without the client library:
//
//   redis://[user[:password]@]host[:port][/db]      TCP
//   rediss://[user[:password]@]host[:port][/db]     TLS (the system's CAs, plus NODE_EXTRA_CA_CERTS)
//   redis+unix://[user[:password]@]/path/to/redis.sock[?db=N]   Unix socket (also unix://)
//
// Anything it does not understand is an error, never ignored: a query option
// that silently did nothing would leave a team believing it shares counters.
// Error messages never repeat the URL, which may hold a password.

export interface RedisTarget {
  /** For messages: the address with any user name and password replaced by `***`. */
  description: string;
  socket: { tls: boolean; host: string; port: number } | { path: string };
  username: string | undefined;
  password: string | undefined;
  database: number;
}

export const DEFAULT_REDIS_PORT = 6379;
const UNIX_SCHEMES = ["redis+unix:", "unix:"];
const URL_FORM = "redis://[user:password@]host[:port][/db], rediss://... or redis+unix:///path/to/redis.sock[?db=N]";

export class RedisUrlError extends Error {
  override readonly name = "RedisUrlError";
}

function fail(problem: string): never {
  throw new RedisUrlError(`${problem}; the forms are ${URL_FORM}`);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`the ${what} in the Redis URL has a malformed %-escape`);
  }
}

function databaseNumber(text: string): number {
  if (!/^\d{1,5}$/.test(text)) fail("the database in the Redis URL must be a number (0, 1, ...)");
  return Number(text);
}

function credentials(userinfo: string | undefined): { username: string | undefined; password: string | undefined } {
  if (userinfo === undefined || userinfo === "") return { username: undefined, password: undefined };
  const colon = userinfo.indexOf(":");
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const password = colon === -1 ? undefined : userinfo.slice(colon + 1);
  return {
    username: user === "" ? undefined : decode(user, "user name"),
    password: password === undefined || password === "" ? undefined : decode(password, "password"),
  };
}

function redacted(hasCredentials: boolean): string {
  return hasCredentials ? "***@" : "";
}

function parseUnix(value: string, scheme: string): RedisTarget {
  // Parsed by hand: WHATWG URLs reject credentials with an empty host (`unix://:pw@/path`).
  const rest = value.slice(`${scheme}://`.length);
  const slash = rest.indexOf("/");
  const at = rest.lastIndexOf("@", slash === -1 ? rest.length : slash);
  const userinfo = at === -1 ? undefined : rest.slice(0, at);
  const address = rest.slice(at + 1);
  if (!address.startsWith("/"))
    fail("a Unix-socket Redis URL needs an absolute socket path after the // (write / and @ in a password as %2F and %40)");
  const question = address.indexOf("?");
  const path = decode(question === -1 ? address : address.slice(0, question), "socket path");
  if (path.includes("#")) fail("the socket path in the Redis URL has a #; write it as %23");
  let database = 0;
  if (question !== -1) {
    for (const pair of address.slice(question + 1).split("&")) {
      const [key, val = ""] = pair.split("=", 2) as [string, string?];
      if (key !== "db") fail("the only option a Unix-socket Redis URL takes is ?db=N");
      database = databaseNumber(val);
    }
  }
  const { username, password } = credentials(userinfo);
  const hasCredentials = username !== undefined || password !== undefined;
  const dbPart = database === 0 ? "" : `?db=${database}`;
  return { description: `redis+unix://${redacted(hasCredentials)}${path}${dbPart}`, socket: { path }, username, password, database };
}

function parseTcp(value: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail("the Redis URL cannot be read");
  }
  const tls = url.protocol === "rediss:";
  if (url.hostname === "") fail("the Redis URL has no host");
  if (url.search !== "" || url.hash !== "") fail("the Redis URL takes no ?options or #fragment (the database is the path: /N)");
  const path = url.pathname;
  const database = path === "" || path === "/" ? 0 : databaseNumber(path.slice(1));
  const port = url.port === "" ? DEFAULT_REDIS_PORT : Number(url.port);
  const username = url.username === "" ? undefined : decode(url.username, "user name");
  const password = url.password === "" ? undefined : decode(url.password, "password");
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const hasCredentials = username !== undefined || password !== undefined;
  return {
    description: `${url.protocol}//${redacted(hasCredentials)}${url.hostname}:${port}/${database}`,
    socket: { tls, host, port },
    username,
    password,
    database,
  };
}

/** The scheme of a `--state` value that is a URL rather than a file path, if it is one. */
export function stateUrlScheme(value: string): string | undefined {
  // Two letters at least, so that a Windows path (C:\state.db) stays a path.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return undefined;
  return value.slice(scheme.length + 1).startsWith("//") || /^(redis|rediss|redis\+unix|unix|valkey|valkeys)$/.test(scheme)
    ? scheme
    : undefined;
}

export function parseRedisUrl(value: string): RedisTarget {
  const scheme = stateUrlScheme(value);
  if (scheme === undefined || !value.slice(scheme.length + 1).startsWith("//")) {
    return fail("a Redis URL starts with redis://, rediss:// or redis+unix://");
  }
  if (UNIX_SCHEMES.includes(`${scheme}:`)) return parseUnix(value, scheme);
  if (scheme === "redis" || scheme === "rediss") return parseTcp(`${scheme}${value.slice(scheme.length)}`);
  if (scheme === "valkey" || scheme === "valkeys") return fail("for Valkey, use redis:// (or rediss://): it speaks the same protocol");
  return fail(`--state does not know the scheme ${JSON.stringify(`${scheme}:`)}`);
}
