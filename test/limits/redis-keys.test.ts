import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { bucketKeys, definitionPattern, escapeKeyPart, revokedKey } from "../../src/limits/redis-keys.js";
import { createRedisStore } from "../../src/limits/redis-store.js";
import { parseRedisUrl } from "../../src/limits/redis-url.js";
import type { BucketLimit } from "../../src/limits/store.js";
import { redisServers } from "../helpers/redis-server.js";
import { systemProgram } from "../helpers/system-package.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";

// Hostile grant and counter names (a grant is a file path or a --grant value,
// a counter comes from a policy) must not end a hash tag early, make two
// buckets share a key, or widen a SCAN pattern; and every key of one call must
// hash to one Redis Cluster slot.

const HOSTILE = [
  "a",
  "a}",
  "{a}",
  "a:b",
  "a%3Ab",
  "a\nb",
  "a\u0000b",
  "*",
  "a?",
  "[a]",
  "a\\b",
  "\ud800",
  "\ufffd",
  "é",
  "e\u0301",
  "",
  " ",
];

/** Redis Cluster's rule: the text between the first `{` and the first `}` after it, if not empty. */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  const close = open === -1 ? -1 : key.indexOf("}", open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

function limitsOf(grant: string, counter: string, session: string): BucketLimit[] {
  const common = { counter, grant, windowMs: 60_000, max: 5, definedAt: 1 };
  return [
    { ...common, scope: "grant", bucket: `grant\u0000${grant}\u0000${counter}` },
    { ...common, scope: "session", bucket: `session\u0000${session}\u0000${counter}` },
  ];
}

describe("Redis key names", () => {
  it("escape every name to a distinct text without braces, colons, glob or control characters", () => {
    const escaped = HOSTILE.map(escapeKeyPart);
    assert.equal(new Set(escaped).size, HOSTILE.length, "no two names share a key");
    for (const text of escaped) assert.doesNotMatch(text, /[{}:*?[\]\\\u0000-\u001f\u007f-\uffff]/);
  });

  it("give every key of one call the grant's hash tag, and each grant its own", () => {
    const tags = new Set<string>();
    for (const grant of HOSTILE) {
      const keys = limitsOf(grant, "x}:{y", "s}{:\n").flatMap((l) => Object.values(bucketKeys(grant, l.bucket)));
      keys.push(revokedKey(grant));
      assert.equal(new Set(keys.map(hashTag)).size, 1, `one slot for ${JSON.stringify(grant)}: ${keys.join(" ")}`);
      tags.add(hashTag(keys[0] as string));
    }
    assert.equal(tags.size, HOSTILE.length);
  });

  it("keep one grant's SCAN pattern from matching another grant's keys", () => {
    assert.equal(definitionPattern("*"), "policy-wrap:{grant=%2A}:*:def");
    assert.equal(definitionPattern("a?"), "policy-wrap:{grant=a%3F}:*:def");
  });
});

const redisServer = systemProgram("redis-server", "redis-server");
const startRedis = redisServers(redisServer.path);

describe("the store on a Redis Cluster node", { skip: redisServer.skip }, () => {
  const closing: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closing) await close();
  });

  it("admits, lists and resets with hostile names: every script's keys are in one slot (no CROSSSLOT)", async () => {
    const server = await startRedis({ tcp: true, args: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"] });
    await server.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
    while (!/cluster_state:ok/.test(String(await server.command("CLUSTER", "INFO")))) await new Promise((r) => setImmediate(r));
    // The node refuses a script whose keys are in two slots: the check below is real.
    await assert.rejects(server.command("EVAL", "return 1", "2", "{a}x", "{b}y"), /CROSSSLOT/);

    const store = await createRedisStore(parseRedisUrl(server.url), { timeoutMs: HANG_GUARD_MS });
    closing.push(() => store.close());
    await store.whenReady(Date.now() + HANG_GUARD_MS);
    for (const grant of ["team}{x:y", "a\nb", "*"]) {
      const limits = limitsOf(grant, "c}:{\n", "sess}{");
      assert.ok((await store.admit(limits, `c-${grant}`)).admitted, JSON.stringify(grant));
    }
    const star = await store.list("*");
    assert.deepEqual(
      star.map((r) => [r.grant, r.scope, r.used]),
      [
        ["*", "grant", 1],
        ["*", "session", 1],
      ],
      "the grant named * lists only its own counters",
    );
    assert.equal((await store.list()).length, 6);
    assert.equal(await store.reset("c}:{\n", "a\nb"), 2);
    assert.equal((await store.list()).length, 4);
  });
});
