import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { redisServers } from "../helpers/redis-server.js";
import { systemProgram } from "../helpers/system-package.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter } from "../helpers/wrapper-process.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";

// rediss:// against a real redis-server speaking TLS with a certificate from a
// private CA made here: trusted through NODE_EXTRA_CA_CERTS, refused without.

const redisServer = systemProgram("redis-server", "redis-server");
const openssl = systemProgram("openssl", "openssl");
const startRedis = redisServers(redisServer.path);
const dir = tempDir();
const launch = wrapperStarter();

function makeCertificates(): { ca: string; cert: string; key: string } {
  const file = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl.path as string, args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run("req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "2", "-subj", "/CN=policy-wrap test CA");
  run("req", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=localhost");
  writeFileSync(file("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run(
    ...["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-CAcreateserial"],
    ...["-days", "2", "-extfile", file("san.ext"), "-out", file("server.crt")],
  );
  return { ca: file("ca.crt"), cert: file("server.crt"), key: file("server.key") };
}

describe("rediss:// (TLS)", { skip: redisServer.skip || openssl.skip }, () => {
  it("counts through a TLS connection whose CA is trusted, and says why when it is not", async () => {
    const tls = makeCertificates();
    const redis = await startRedis({ tls });
    const policy = writePolicy(dir, {
      version: "1",
      default: "allow",
      tools: { echo: { limits: [{ counter: "c", window: "day", max: 1 }] } },
    });
    const url = `rediss://localhost:${redis.port}/0`;
    // The TLS handshake must not race the 250 ms default --state-timeout on a loaded machine.
    const extraArgs = ["--state", url, "--state-timeout", String(HANG_GUARD_MS)];
    const trusted = launch({ policy, extraArgs, env: { NODE_EXTRA_CA_CERTS: tls.ca } });
    assert.equal((await trusted.callTool("echo")).result.isError, undefined);
    assert.match((await trusted.callTool("echo")).result.content[0].text, /Rate limit reached/);

    const untrusted = launch({ policy, extraArgs, env: { NODE_EXTRA_CA_CERTS: "" } });
    const refused = await untrusted.callTool("echo");
    assert.match(
      refused.result.content[0].text,
      /is unreachable \(its TLS certificate is not trusted \([A-Z_]+\); add a private CA with NODE_EXTRA_CA_CERTS\)/,
    );
  });
});
