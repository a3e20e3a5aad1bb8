import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { heldId, runCli } from "../approvals/helpers.js";
import { RAW_UPSTREAM } from "../hostile/helpers.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { WrapperClient } from "../helpers/wrapper-client.js";
import { send, uiStarter, type RunningUi } from "./helpers.js";

// The dashboard over plain HTTP, as an attacker reaches it: from another
// site's page in the user's browser (cross-origin forms and fetches), through
// a rebound DNS name (a foreign Host), or without the token. A held call in
// a real wrapper shows that no refused request decided anything.

const dir = tempDir();
const state = join(dir, "state.db");
const policy = writePolicy(dir, { version: "1", default: "allow", tools: { StartExport: { action: "require_approval" } } });
const launch = inProcessStarter();
const startUi = uiStarter();

describe("the dashboard refuses what an attacker can send", { concurrency: false }, () => {
  let ui: RunningUi;
  let wrapper: WrapperClient;
  let id: string;
  let origin: string;
  let host: string;

  before(async () => {
    wrapper = launch({ policy, upstream: RAW_UPSTREAM, extraArgs: ["--state", state] });
    await wrapper.initialize({});
    wrapper.send({ jsonrpc: "2.0", id: "h1", method: "tools/call", params: { name: "StartExport", arguments: {} } });
    id = await heldId(wrapper);
    ui = await startUi(["--state", state, "--audit", join(dir, "audit.db")]);
    host = `127.0.0.1:${ui.port}`;
    origin = `http://${host}`;
  });

  const stillWaiting = async () => {
    const listed = await runCli(["approvals", "--json", "--state", state]);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id),
      [id],
      "the held call is still waiting",
    );
  };
  const approve = (headers: Record<string, string>, method = "POST") =>
    send({
      port: ui.port,
      path: `/${ui.token}/api/approvals/${id}/approve`,
      method,
      headers: { Host: host, ...headers },
      body: method === "POST" ? "{}" : undefined,
    });

  it("serves the page and the state with the token, with headers that forbid framing, referrers and sniffing", async () => {
    const page = await send({ port: ui.port, path: `/${ui.token}/`, headers: { Host: host } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>policy-wrap<\/title>/);
    assert.match(String(page.headers["content-security-policy"]), /default-src 'none'; script-src 'self'.*frame-ancestors 'none'/);
    assert.equal(page.headers["referrer-policy"], "no-referrer");
    assert.equal(page.headers["x-frame-options"], "DENY");
    assert.equal(page.headers["x-content-type-options"], "nosniff");
    const listed = await send({ port: ui.port, path: `/${ui.token}/api/state`, headers: { Host: host } });
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (JSON.parse(listed.body) as { pending: { value: { id: string }[] } }).pending.value.map((p) => p.id),
      [id],
    );
  });

  it("refuses requests without the token, or with another one", async () => {
    for (const path of [
      "/",
      "/api/state",
      `/x${ui.token}/api/state`,
      `/${ui.token.slice(0, -1)}/api/state`,
      `/api/state?token=${ui.token}`,
    ]) {
      const reply = await send({ port: ui.port, path, headers: { Host: host } });
      assert.equal(reply.status, 403, path);
      assert.ok(!reply.body.includes("pending"), "nothing of the state leaks");
    }
  });

  it("refuses a foreign Host even with the token (DNS rebinding)", async () => {
    for (const foreign of [
      `evil.example:${ui.port}`,
      `localhost:${ui.port}`,
      `127.0.0.1:${ui.port + 1}`,
      "127.0.0.1",
      `[::1]:${ui.port}`,
    ]) {
      const reply = await send({ port: ui.port, path: `/${ui.token}/api/state`, headers: { Host: foreign } });
      assert.equal(reply.status, 403, foreign);
    }
    const rebound = await approve({
      Host: `evil.example:${ui.port}`,
      Origin: `http://evil.example:${ui.port}`,
      "Content-Type": "application/json",
    });
    assert.equal(rebound.status, 403);
    await stillWaiting();
  });

  it("refuses a state change from another origin, without an Origin, or as a form", async () => {
    const attempts: Record<string, string>[] = [
      { Origin: "http://evil.example", "Content-Type": "application/json" },
      { Origin: "null", "Content-Type": "application/json" },
      { "Content-Type": "application/json" },
      { Origin: `http://localhost:${ui.port}`, "Content-Type": "application/json" },
      // A cross-site HTML form can only send these content types.
      { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
      { Origin: origin, "Content-Type": "text/plain" },
      { Origin: origin, "Content-Type": "application/json", "Sec-Fetch-Site": "cross-site" },
    ];
    for (const headers of attempts) assert.equal((await approve(headers)).status, 403, JSON.stringify(headers));
    const withoutToken = await send({
      port: ui.port,
      path: `/api/approvals/${id}/approve`,
      method: "POST",
      headers: { Host: host, Origin: origin, "Content-Type": "application/json" },
      body: "{}",
    });
    assert.equal(withoutToken.status, 403);
    await stillWaiting();
  });

  it("allows no CORS: a preflight is refused and no response grants another origin anything", async () => {
    const preflight = await approve({ Origin: "http://evil.example", "Access-Control-Request-Method": "POST" }, "OPTIONS");
    assert.equal(preflight.status, 405);
    const page = await send({ port: ui.port, path: `/${ui.token}/api/state`, headers: { Host: host, Origin: "http://evil.example" } });
    for (const reply of [preflight, page]) {
      assert.ok(!Object.keys(reply.headers).some((name) => name.startsWith("access-control-")), JSON.stringify(reply.headers));
    }
    await stillWaiting();
  });

  it("listens on 127.0.0.1 only", async () => {
    const elsewhere = Object.values(networkInterfaces())
      .flat()
      // Link-local IPv6 addresses need a zone to be reached at all.
      .filter((a) => a && !a.internal && !a.address.startsWith("fe80:"))
      .map((a) => a?.address as string);
    for (const address of ["::1", ...elsewhere]) {
      await assert.rejects(
        send({ host: address, port: ui.port, path: `/${ui.token}/`, headers: { Host: host } }),
        (error: NodeJS.ErrnoException) => ["ECONNREFUSED", "EADDRNOTAVAIL", "ENETUNREACH", "EHOSTUNREACH"].includes(error.code ?? ""),
        address,
      );
    }
  });

  it("decides the held call from its own origin, once, and says who decided", async () => {
    const ok = await approve({ Origin: origin, "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin" });
    assert.equal(ok.status, 200, ok.body);
    assert.match(JSON.parse(ok.body).decided, /^approved by .* \(dashboard\)$/);
    assert.equal((await wrapper.answerTo("h1")).result.content[0].text, "raw tools/call StartExport");
    const again = await approve({ Origin: origin, "Content-Type": "application/json" });
    assert.equal(again.status, 409);
    assert.match(JSON.parse(again.body).error, /already approved by .* \(dashboard\)/);
    assert.ok(!ui.output().replace(ui.url, "").includes(ui.token), "the token is printed once, in the address, and never logged");
  });
});
