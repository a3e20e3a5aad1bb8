import assert from "node:assert/strict";
import { it } from "node:test";
import { createLogger } from "../../src/log.js";
import { PolicyWatcher } from "../../src/policy/watch-policy.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";

// The wrapper starts watching its policy once the upstream has started up, a
// moment after it loaded the policy: an edit made in between must not be lost,
// and a session that ends in between must leave no watch behind.

const dir = tempDir();

// First: the file system watch of the test below is open while it runs.
it("leaves no watch open when it is closed while the watch is being armed", { timeout: HANG_GUARD_MS }, async () => {
  const file = writePolicy(dir, { version: "1", default: "allow" }, "closed.json");
  const watcher = new PolicyWatcher(
    file,
    JSON.stringify({ version: "1", default: "allow" }),
    { reloaded: () => assert.fail("reloaded after close"), rejected: () => assert.fail("rejected after close") },
    createLogger("error", () => {}),
  );
  const started = watcher.start();
  await watcher.close();
  await started;
  assert.deepEqual(
    process.getActiveResourcesInfo().filter((kind) => kind === "FSEventWrap"),
    [],
  );
});

// The timeout is a safety net for a watcher that never looks (the test would otherwise hang), not a speed check.
it("reloads an edit made between loading the policy and starting to watch it", { timeout: HANG_GUARD_MS }, async () => {
  const loaded = JSON.stringify({ version: "1", default: "allow" });
  const file = writePolicy(dir, { version: "1", default: "deny" });
  let reloaded!: (policy: CompiledPolicy) => void;
  const reload = new Promise<CompiledPolicy>((resolve) => (reloaded = resolve));
  const watcher = new PolicyWatcher(
    file,
    loaded,
    { reloaded, rejected: () => {} },
    createLogger("error", () => {}),
  );
  await watcher.start();
  try {
    const policy = await reload;
    assert.equal(policy.sections.tool.defaultAction, "deny");
  } finally {
    await watcher.close();
  }
});
