import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import type { Json, StartOptions, WrapperClient } from "../helpers/wrapper-client.js";

// The stand-in upstreams of the differential suite (test/fixtures) and what
// each may never be seen to run. Each records the tool calls it executed, as
// it read them, in a file of JSON lines.

const fixture = (name: string) => join(ROOT, "test", "fixtures", name);

export interface StandIn {
  name: string;
  command: string[];
  env?: NodeJS.ProcessEnv;
}

export const STAND_INS: StandIn[] = [
  { name: "Python SDK framing (TextIOWrapper) + lax pydantic-like coercion", command: ["python3", fixture("python-lax-upstream.py")] },
  {
    name: "Python str.splitlines framing + lax coercion",
    command: ["python3", fixture("python-lax-upstream.py")],
    env: { STANDIN_FRAMING: "splitlines" },
  },
  { name: "Node readline, runs notifications, lenient dispatch", command: [process.execPath, fixture("node-readline-upstream.mjs")] },
  { name: "Go encoding/json-style case-folding binder", command: [process.execPath, fixture("go-binder-upstream.mjs")] },
];

const dir = tempDir();
const amountOver100 = { conditions: [{ path: "args.amount", op: "gt", value: 100 }] };
const devBucket = { type: "object", properties: { bucket: { type: "string", pattern: "^dev-" } } };

export const POLICY = writePolicy(dir, {
  version: "1",
  default: "deny",
  hide: ["delete_everything"],
  tools: {
    echo: {},
    create_refund: { deny_if: [amountOver100] },
    refund_exact: { deny_if: [amountOver100] },
    transfer: { deny_if: [{ conditions: [{ path: "args.amount", op: "gt", value: 9007199254740992 }] }] },
    refund_order: { deny_if: [{ conditions: [{ path: "args.order.amount", op: "gt", value: 100 }] }] },
    put_object: { arguments: { ...devBucket, required: ["bucket"] } },
    tag_object: { arguments: devBucket },
    set_flag: { deny_if: [{ conditions: [{ path: "args.force", op: "eq", value: true }] }] },
  },
});

export interface Run {
  tool: string;
  args: Record<string, unknown>;
}

/** Compares two decimal numbers written as text ("1e+21", "100.000000000000001") exactly. */
export function compareDecimal(a: string, b: string): number {
  const norm = (text: string) => {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m) throw new Error(`not a decimal: ${text}`);
    const digits = `${m[2]}${m[3] ?? ""}`;
    const lead = digits.length - digits.replace(/^0+/, "").length;
    const sig = digits.replace(/^0+/, "").replace(/0+$/, "");
    // value = 0.sig x 10^exp
    const exp = (m[2] ?? "").length - lead + Number(m[4] ?? 0);
    return { negative: m[1] === "-" && sig.length > 0, sig, exp };
  };
  const x = norm(a);
  const y = norm(b);
  const sign = (n: typeof x) => (n.sig.length === 0 ? 0 : n.negative ? -1 : 1);
  if (sign(x) !== sign(y)) return Math.sign(sign(x) - sign(y));
  if (sign(x) === 0) return 0;
  let magnitude = x.exp !== y.exp ? Math.sign(x.exp - y.exp) : 0;
  if (magnitude === 0) {
    const width = Math.max(x.sig.length, y.sig.length);
    const p = x.sig.padEnd(width, "0");
    const q = y.sig.padEnd(width, "0");
    magnitude = p === q ? 0 : p > q ? 1 : -1;
  }
  return sign(x) * magnitude;
}

/** True when the upstream's reading of the number might exceed the limit (NaN and unreadable values included). */
function exceeds(value: unknown, limit: string): boolean {
  if (value === undefined || value === null) return false;
  const text = typeof value === "number" ? String(value) : String(value);
  if (/^[+]?(Infinity|inf)/i.test(text)) return true;
  if (/^-(Infinity|inf)/i.test(text)) return false;
  try {
    return compareDecimal(text, limit) > 0;
  } catch {
    return true;
  }
}

/** Why the run is one the policy forbids, or undefined. */
export function forbidden(run: Run): string | undefined {
  const args = run.args ?? {};
  const bucket = args.bucket;
  switch (run.tool) {
    case "echo":
      return undefined;
    case "create_refund":
    case "refund_exact":
      return exceeds(args.amount, "100") ? `refund of ${String(args.amount)}` : undefined;
    case "transfer":
      return exceeds(args.amount, "9007199254740992") ? `transfer of ${String(args.amount)}` : undefined;
    case "refund_order":
      return exceeds((args.order as Json | undefined)?.amount, "100") ? `order refund ${JSON.stringify(args.order)}` : undefined;
    case "put_object":
    case "tag_object":
      return bucket !== undefined && !(typeof bucket === "string" && bucket.startsWith("dev-"))
        ? `bucket ${JSON.stringify(bucket)}`
        : undefined;
    case "set_flag":
      return args.force === true ? "force set" : undefined;
    default:
      return `tool ${JSON.stringify(run.tool)} is not allowed`;
  }
}

export function readRuns(file: string): Run[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Run);
}

/**
 * One hostile line. `answer` is the id its one answer carries: a string, null
 * for a line refused before its id can be trusted, or absent for a line that
 * is owed no answer (a notification or a response).
 */
export interface Hostile {
  line: string;
  answer?: string | null;
  /** A legitimate call among the hostile ones: the wrapper must let it through (no over-blocking). */
  allowed?: boolean;
}

export interface Exchange {
  runs: Run[];
  wrapper: WrapperClient;
  /** Requests that got no answer. */
  unanswered: string[];
}

const BARRIER = { jsonrpc: "2.0", id: "barrier", method: "tools/call", params: { name: "echo", arguments: { text: "barrier" } } };

/**
 * Starts the wrapper in front of the stand-in, sends the lines and then a
 * barrier call, and waits for every answer owed. The stand-ins handle lines in
 * order, so once the barrier is answered everything before it was run or dropped.
 */
export async function exchange(start: (options: StartOptions) => WrapperClient, standIn: StandIn, lines: Hostile[]): Promise<Exchange> {
  const record = join(dir, `record-${Math.random().toString(36).slice(2)}.jsonl`);
  const wrapper = start({ policy: POLICY, upstream: standIn.command, env: { ...standIn.env, STANDIN_RECORD: record } });
  await wrapper.initialize();
  for (const { line } of lines) wrapper.sendRaw(`${line}\n`);
  wrapper.send(BARRIER);
  const ids = lines.flatMap((l) => (typeof l.answer === "string" ? [l.answer] : []));
  const settled = await Promise.allSettled([...ids, "barrier"].map((id) => wrapper.answerTo(id)));
  const unanswered = ids.filter((_id, k) => settled[k]?.status === "rejected");
  if (settled[ids.length]?.status !== "fulfilled") unanswered.push("barrier");
  return { runs: readRuns(record), wrapper, unanswered };
}

/** The suite's one assertion: nothing forbidden ran, and every request got exactly one answer. */
export function checkExchange(result: Exchange, lines: Hostile[]): string[] {
  const problems: string[] = [];
  for (const run of result.runs) {
    const why = forbidden(run);
    if (why) problems.push(`the upstream ran ${run.tool} ${JSON.stringify(run.args)}: ${why}`);
  }
  for (const id of result.unanswered) problems.push(`request ${JSON.stringify(id)} got no answer`);
  const answers = result.wrapper.messages.filter((m) => !("method" in m) && m.id !== "barrier" && m.id !== 1);
  const counts = new Map<string, number>();
  for (const answer of answers) counts.set(JSON.stringify(answer.id), (counts.get(JSON.stringify(answer.id)) ?? 0) + 1);
  const owed = new Map<string, number>();
  for (const { answer } of lines) if (answer !== undefined) owed.set(JSON.stringify(answer), (owed.get(JSON.stringify(answer)) ?? 0) + 1);
  for (const [id, count] of counts) {
    if (count !== (owed.get(id) ?? 0)) problems.push(`id ${id} was answered ${count} times, owed ${owed.get(id) ?? 0}`);
  }
  for (const [id, count] of owed) if (!counts.has(id)) problems.push(`id ${id} was owed ${count} answers and got none`);
  for (const { answer: id, allowed } of lines) {
    if (!allowed) continue;
    const answer = answers.find((m) => m.id === id);
    const denied = answer?.result?.isError === true && /POLICY DENIED/.test(JSON.stringify(answer.result));
    if (denied || [-32700, -32600].includes(answer?.error?.code))
      problems.push(`the legitimate call ${JSON.stringify(id)} was refused: ${JSON.stringify(answer)}`);
  }
  return problems;
}
