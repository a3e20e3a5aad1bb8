import { resolve } from "node:path";
import type { StoreOpener } from "./limiter.js";
import type { RedisCounterStore } from "./redis-store.js";
import { parseRedisUrl, stateUrlScheme, type RedisTarget } from "./redis-url.js";
import { openSqliteStore } from "./sqlite-store.js";
import { StoreFault } from "./store.js";

// `--state` (or POLICY_WRAP_STATE) picks the counter store: a Redis or Valkey
// URL for counters shared by a team, anything else a SQLite file on this
// machine. Used by the wrapper and by `policy-wrap counters` alike.

export const DEFAULT_STATE_TIMEOUT_MS = 250;

export type StateTarget = { kind: "sqlite"; file: string; createDirectory: boolean } | { kind: "redis"; redis: RedisTarget };

/** Throws RedisUrlError (whose message never repeats the URL) for a URL it cannot use. */
export function parseState(value: string | undefined, defaultFile: () => string): StateTarget {
  if (value === undefined || value === "") return { kind: "sqlite", file: defaultFile(), createDirectory: true };
  if (stateUrlScheme(value) !== undefined) return { kind: "redis", redis: parseRedisUrl(value) };
  return { kind: "sqlite", file: resolve(value), createDirectory: false };
}

export function describeState(state: StateTarget): string {
  return state.kind === "sqlite" ? state.file : state.redis.description;
}

export interface StoreOptions {
  /** Redis: how long a check, or the first connection, may take before the call is refused. */
  timeoutMs: number;
}

/** A StoreOpener that can also be closed when its store never finished opening. */
export interface ClosableOpener extends StoreOpener {
  close(): Promise<void>;
}

export function storeOpener(state: StateTarget, options: StoreOptions): ClosableOpener {
  if (state.kind === "sqlite") {
    const { file, createDirectory } = state;
    return { description: file, open: async () => openSqliteStore(file, { createDirectory }), close: async () => {} };
  }
  return redisOpener(state.redis, options);
}

/**
 * One store for the process, made on first use: node-redis is loaded only
 * then, and keeps one connection, reconnecting by itself. `open` resolves when
 * it can take a check; during an outage it fails at once with the same words
 * each time, so the limiter reports the outage once.
 */
function redisOpener(target: RedisTarget, options: StoreOptions): ClosableOpener {
  let store: Promise<RedisCounterStore> | undefined;
  const made = () =>
    (store ??= import("./redis-store.js")
      .then((m) => m.createRedisStore(target, options))
      .catch((error: unknown) => {
        store = undefined;
        throw error instanceof StoreFault ? error : new StoreFault(String(error), { cause: error });
      }));
  return {
    description: target.description,
    async open() {
      const opened = await made();
      await opened.whenReady();
      return opened;
    },
    async close() {
      const closing = store;
      store = undefined;
      await closing?.then(
        (s) => s.close(),
        () => {},
      );
    },
  };
}
