import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { parseState } from "../../src/limits/open-store.js";
import { parseRedisUrl, stateUrlScheme } from "../../src/limits/redis-url.js";
import { BIN, fixtureCommand } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";

// What `--state` means, and that a password never comes back out in a
// description or an error.

const defaultFile = () => "/home/me/.local/share/policy-wrap/state.db";

describe("the --state value", () => {
  it("is a SQLite file unless it is a URL", () => {
    assert.deepEqual(parseState(undefined, defaultFile), { kind: "sqlite", file: defaultFile(), createDirectory: true });
    assert.equal(parseState("counters.db", defaultFile).kind, "sqlite");
    assert.equal(parseState("C:\\state\\counters.db", defaultFile).kind, "sqlite", "a drive letter is not a scheme");
    assert.equal(parseState("./redis:6379", defaultFile).kind, "sqlite");
    assert.equal(parseState("redis://cache:6379", defaultFile).kind, "redis");
    assert.equal(stateUrlScheme("REDIS://cache"), "redis");
  });

  it("reads TCP, TLS and Unix-socket Redis URLs", () => {
    assert.deepEqual(parseRedisUrl("redis://cache.internal"), {
      description: "redis://cache.internal:6379/0",
      socket: { tls: false, host: "cache.internal", port: 6379 },
      username: undefined,
      password: undefined,
      database: 0,
    });
    assert.deepEqual(parseRedisUrl("rediss://alice:p%40ss:word@[::1]:6380/2"), {
      description: "rediss://***@[::1]:6380/2",
      socket: { tls: true, host: "::1", port: 6380 },
      username: "alice",
      password: "p@ss:word",
      database: 2,
    });
    assert.deepEqual(parseRedisUrl("redis+unix:///run/redis/redis.sock?db=3"), {
      description: "redis+unix:///run/redis/redis.sock?db=3",
      socket: { path: "/run/redis/redis.sock" },
      username: undefined,
      password: undefined,
      database: 3,
    });
    assert.deepEqual(parseRedisUrl("unix://:s%2Fcret@/tmp/my%20redis.sock"), {
      description: "redis+unix://***@/tmp/my redis.sock",
      socket: { path: "/tmp/my redis.sock" },
      username: undefined,
      password: "s/cret",
      database: 0,
    });
  });

  it("refuses what it cannot use, without repeating the URL", () => {
    const cases: [string, RegExp][] = [
      ["redis:cache:6379", /starts with redis:\/\//],
      ["redis:///nohost", /has no host/],
      ["redis://:hunter2@cache/zero", /database .* must be a number/],
      ["redis://:hunter2@cache/0?password=x", /takes no \?options/],
      ["redis+unix://:hunter2@relative.sock", /absolute socket path/],
      ["redis+unix:///tmp/r.sock?timeout=5&password=hunter2", /only option .* \?db=N/],
      ["redis://:%zzhunter2@cache", /malformed %-escape/],
      ["valkey://cache", /for Valkey, use redis:\/\//],
      ["http://cache", /does not know the scheme "http:"/],
    ];
    for (const [value, expected] of cases) {
      assert.throws(
        () => parseState(value, defaultFile),
        (error: Error) => {
          assert.equal(error.name, "RedisUrlError");
          assert.match(error.message, expected);
          assert.doesNotMatch(error.message, /hunter2/);
          return true;
        },
        value,
      );
    }
  });
});

describe("the command line with a Redis --state", () => {
  const policy = writePolicy(tempDir(), { version: "1", default: "allow" });
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", input: "" });

  it("refuses a URL it cannot use before starting anything, without repeating the password", () => {
    const wrapped = run("--policy", policy, "--state", "redis://:hunter2@cache/db0", "--", ...fixtureCommand());
    assert.equal(wrapped.status, 2);
    assert.match(wrapped.stderr, /^policy-wrap: error: --state: the database in the Redis URL must be a number .*; nothing was started\n$/);
    const counters = run("counters", "--state", "redis://:hunter2@cache/db0");
    assert.equal(counters.status, 2);
    assert.doesNotMatch(wrapped.stderr + counters.stderr, /hunter2/);
  });

  it("says where it looked when nothing answers there", () => {
    const counters = run("counters", "--state", "redis+unix://:hunter2@/nonexistent/redis.sock");
    assert.equal(counters.status, 1);
    assert.equal(
      counters.stderr,
      "policy-wrap: the counter store redis+unix://***@/nonexistent/redis.sock is unreachable (no socket at that path)\n",
    );
  });
});
