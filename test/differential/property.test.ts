import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "../../src/log.js";
import type { Interceptor } from "../../src/proxy/relay-context.js";
import { Relay } from "../../src/proxy/relay.js";
import { ROOT } from "../helpers/paths.js";
import { Random, SEED } from "../helpers/random.js";
import { tempDir } from "../helpers/temp-files.js";
import { JsonWriter } from "./random-json.js";

// Property (issue 10): random valid JSON-RPC messages, written with random
// whitespace, CRs, escapes, key orders and number shapes, go through the relay;
// the bytes it sends upstream, framed the way Node's readline, Python's
// TextIOWrapper (the MCP Python SDK) and Python's str.splitlines frame them,
// are exactly one message per client message, equal to what the wrapper
// evaluated. Seeded: PROPERTY_SEED=<n> repeats a run.

const MESSAGES = 2000;
const NOTIFICATIONS = ["notifications/initialized", "notifications/progress", "notifications/message", "notifications/roots/list_changed"];
const METHODS = ["tools/call", "tools/list", "ping", "resources/read", "prompts/get", "completion/complete"];

function generate(random: Random): string[] {
  const w = new JsonWriter(random);
  const texts: string[] = [];
  for (let n = 0; n < MESSAGES; n++) {
    const id = random.chance(0.5) ? String(n) : w.string(`id-${n}-${w.text(4)}`);
    const members: [string, string][] = [["jsonrpc", w.string("2.0")]];
    const kind = random.int(4);
    if (kind <= 1) {
      const method = random.pick(METHODS);
      members.push(["id", id], ["method", w.string(method)]);
      const params =
        method === "tools/call"
          ? w.object([
              ["name", w.string(w.text())],
              ["arguments", w.object(w.entries(3))],
              ...w.entries(0, random.int(2)).map(([k, v]): [string, string] => [`x${k}`, v]),
            ])
          : w.object(w.entries(2));
      if (random.chance(0.9)) members.push(["params", params]);
    } else if (kind === 2) {
      members.push(["method", w.string(random.pick(NOTIFICATIONS))]);
      if (random.chance(0.7)) members.push(["params", w.object(w.entries(2))]);
    } else {
      members.push(
        ["id", id],
        random.chance(0.8)
          ? ["result", w.value(3)]
          : [
              "error",
              w.object([
                ["code", w.number()],
                ["message", w.string(w.text())],
              ]),
            ],
      );
    }
    texts.push(`${w.space()}${w.object(members)}${w.space()}`);
  }
  return texts;
}

async function relayAll(texts: string[]): Promise<{ upstream: Buffer; evaluated: unknown[]; log: string[] }> {
  const clientInput = new PassThrough();
  const upstreamInput = new PassThrough();
  const chunks: Buffer[] = [];
  upstreamInput.on("data", (chunk: Buffer) => chunks.push(chunk));
  const log: string[] = [];
  const evaluated: unknown[] = [];
  const record: Interceptor = (request, relay) => {
    evaluated.push(request.params);
    relay.forward(request);
  };
  const closed = new Promise<void>((resolve) => {
    const relay = new Relay(
      { clientInput, clientOutput: new PassThrough(), upstreamInput, upstreamOutput: new PassThrough() },
      {
        maxMessageBytes: 1 << 24,
        log: createLogger("warn", (line) => log.push(line)),
        interceptors: new Map([["tools/call", record]]),
        onClientClosed: () => resolve(),
      },
    );
    relay.start();
  });
  // Random chunking: a message may arrive in pieces, several may share a chunk.
  const all = Buffer.from(texts.map((t) => `${t}\n`).join(""));
  const random = new Random(SEED + 1);
  for (let at = 0; at < all.length;) {
    const size = 1 + random.int(random.chance(0.1) ? 5 : 4000);
    clientInput.write(all.subarray(at, at + size));
    at += size;
  }
  clientInput.end();
  await closed;
  await new Promise((resolve) => setImmediate(resolve));
  return { upstream: Buffer.concat(chunks), evaluated, log };
}

async function readlineLines(bytes: Buffer): Promise<string[]> {
  const input = new PassThrough();
  const lines: string[] = [];
  const done = new Promise<void>((resolve) =>
    createInterface({ input })
      .on("line", (l) => lines.push(l))
      .on("close", resolve),
  );
  input.end(bytes);
  await done;
  return lines;
}

describe(`canonical forwarding, property (seed ${SEED})`, () => {
  it("sends upstream exactly one message per client message, equal to what the wrapper evaluated, however it is framed", async () => {
    const texts = generate(new Random(SEED));
    const { upstream, evaluated, log } = await relayAll(texts);
    assert.deepEqual(log, [], `seed ${SEED}: nothing was refused or dropped`);
    const originals = texts.map((t) => JSON.parse(t) as { method?: string; params?: unknown });
    assert.deepEqual(
      evaluated,
      originals.filter((m) => m.method === "tools/call").map((m) => m.params),
      `seed ${SEED}: the gate saw each call`,
    );
    const byNewline = upstream.toString("utf8").split("\n");
    assert.equal(byNewline.pop(), "", `seed ${SEED}: the stream ends with a newline`);
    for (const [name, lines] of [
      ["split on LF", byNewline],
      ["node:readline", await readlineLines(upstream)],
    ] as const) {
      assert.equal(lines.length, texts.length, `seed ${SEED}: ${name} frames one line per message`);
      lines.forEach((line, k) => assert.deepEqual(JSON.parse(line), originals[k], `seed ${SEED}: ${name}, message ${k}: ${texts[k]}`));
    }
    assert.ok(!/[\r\u0085\u2028\u2029]/.test(upstream.toString("utf8")), `seed ${SEED}: no line-breaking character goes upstream`);

    const dir = tempDir();
    writeFileSync(join(dir, "upstream.bin"), upstream);
    writeFileSync(join(dir, "originals.json"), JSON.stringify(texts));
    const python = spawnSync(
      "python3",
      [join(ROOT, "test", "fixtures", "python-frame-check.py"), join(dir, "upstream.bin"), join(dir, "originals.json")],
      {
        encoding: "utf8",
      },
    );
    assert.equal(python.status, 0, python.stderr);
    assert.deepEqual(JSON.parse(python.stdout), { textio: [], splitlines: [] }, `seed ${SEED}: Python frames and parses what was checked`);
  });
});
