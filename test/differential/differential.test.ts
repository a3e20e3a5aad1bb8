import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import { checkExchange, exchange, STAND_INS, type Hostile } from "./standins.js";

// The differential suite of issue 10: hostile client lines of every class,
// through the wrapper (run in process), against stand-in upstreams (real
// processes) that frame, parse, bind and coerce the way real MCP servers do. The assertion is always the same:
// the upstream ran nothing the policy forbids, and every request got exactly
// one answer.

const start = inProcessStarter();

const request = (id: string, name: string, args: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });
/** A request line, owed one answer with its own id, or with null when the wrapper cannot trust the id. */
const req = (line: string, answer: string | null = /"id" ?: ?"([^"]*)"/.exec(line)?.[1] ?? null): Hostile => ({ line, answer });
const note = (line: string): Hostile => ({ line });
/** A legitimate call, which the wrapper must let through. */
const fine = (id: string, name: string, args: unknown): Hostile => ({ line: request(id, name, args), answer: id, allowed: true });
const hidden = request("smuggled", "delete_everything", {});
const bigRefund = request("smuggled-refund", "create_refund", { amount: 1000000 });

const CLASSES: Record<string, Hostile[]> = {
  "1. framing: bare CR, U+2028, U+2029 and NEL inside any forwarded message": [
    req(`{"jsonrpc":"2.0","id":"cr-request","method":"tools/call","params":{"name":"echo","arguments":{"x":\r${hidden}\r}}}`),
    req(`{"jsonrpc":"2.0","id":"cr-refund","method":"tools/call","params":{"name":"echo","arguments":{"x":\r${bigRefund}\r}}}`),
    note(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1,"x":\r${hidden}\r}}`),
    note(`{"jsonrpc":"2.0","id":"no-such-server-request","result":{"x":\r${hidden}\r}}`),
    req(`{"jsonrpc":"2.0","id":"cr-list","method":"tools/list","params":{"x":\r${hidden}\r}}`),
    req(`{"jsonrpc":"2.0","id":"cr-ping","method":"ping","params":{"x":\r${hidden}\r}}`),
    req(`\r{\r"jsonrpc"\r:\r"2.0"\r,\t"id" : "cr-spaces" ,"method":"tools/call","params":{"name":"echo","arguments":{"text":"ok"}}}\r`),
    { ...req(request("ls", "echo", { text: "a\u2028b\u2029c\u0085d" })), allowed: true },
    fine("ok-echo", "echo", { text: "plain" }),
    req(`{"jsonrpc":"2.0","id":"ls-key","method":"tools/call","params":{"name":"echo","arguments":{"\u2028":"x"}}}`),
  ],
  "2. key folding: ſ, K and case variants of envelope, params and argument keys at any depth": [
    req(
      `{"jsonrpc":"2.0","id":"f-params","method":"tools/call","params":{"name":"echo","arguments":{}},"param\\u017f":{"name":"delete_everything","arguments":{}}}`,
    ),
    req(
      `{"jsonrpc":"2.0","id":"f-params-raw","method":"tools/call","params":{"name":"echo","arguments":{}},"param\u017f":{"name":"delete_everything","arguments":{}}}`,
    ),
    req(
      `{"jsonrpc":"2.0","id":"f-args","method":"tools/call","params":{"name":"create_refund","arguments":{"amount":5},"argument\\u017f":{"amount":1000000}}}`,
    ),
    req(request("f-bucket", "put_object", { bucket: "dev-1", Bucket: "prod-secret" })),
    req(
      `{"jsonrpc":"2.0","id":"f-kelvin","method":"tools/call","params":{"name":"put_object","arguments":{"bucket":"dev-1","buc\\u212aet":"prod-secret"}}}`,
    ),
    req(request("f-alone", "tag_object", { Bucket: "prod-secret" })),
    req(request("f-alone-kelvin", "tag_object", { "buc\u212aet": "prod-secret" })),
    req(request("f-amount", "create_refund", { Amount: 1000000 })),
    req(request("f-deep", "refund_order", { order: { amount: 1, AMOUNT: 1000000 } })),
    req(request("f-plain-prod", "put_object", { bucket: "prod-secret" })),
    req(request("f-plain-tag", "tag_object", { bucket: "prod-secret" })),
    fine("f-allowed", "put_object", { bucket: "dev-1", key: "K" }),
    fine("f-allowed-tag", "tag_object", { bucket: "dev-2", tag: "x" }),
    req(`{"jsonrpc":"2.0","id":"f-name","method":"tools/call","params":{"name":"echo","NAME":"delete_everything"}}`),
    req(`{"jsonrpc":"2.0","id":"f-id","ID":"other","method":"tools/call","params":{"name":"echo"}}`, null),
  ],
  "3. coercion: numeric strings, inf/nan spellings, booleans, JSON in strings, big and long numbers": [
    ...["1000000", "inf", "Infinity", "-nan", "NaN", " 1000 ", "1_000", "\uff11\uff10\uff10\uff10", "1e3", "0x3e8", "1000abc", "1E400"].map(
      (amount, i) => req(request(`c-amount-${i}`, "create_refund", { amount })),
    ),
    req(`{"jsonrpc":"2.0","id":"c-1e400","method":"tools/call","params":{"name":"create_refund","arguments":{"amount":1e400}}}`),
    req(request("c-order", "refund_order", { order: '{"amount": 1000}' })),
    req(request("c-order-nan", "refund_order", { order: '{"amount": NaN}' })),
    ...["true", 1, "yes", "on", "1", " TRUE "].map((force, i) => req(request(`c-force-${i}`, "set_flag", { force }))),
    req(
      `{"jsonrpc":"2.0","id":"c-exact","method":"tools/call","params":{"name":"refund_exact","arguments":{"amount":100.000000000000001}}}`,
    ),
    req(request("c-exact-string", "refund_exact", { amount: "100.0000000000000000001" })),
    req(
      `{"jsonrpc":"2.0","id":"c-bigint","method":"tools/call","params":{"name":"transfer","arguments":{"amount":9007199254740993,"to":"x"}}}`,
    ),
    fine("c-allowed", "create_refund", { amount: 99.5 }),
    fine("c-allowed-string", "create_refund", { amount: "50" }),
    fine("c-allowed-100", "create_refund", { amount: 100 }),
    fine("c-allowed-false", "set_flag", { force: false }),
    ...["no", "false", 2, "0"].map((force, i) => req(request(`c-force-truthy-${i}`, "set_flag", { force }))),
    req(request("c-amount-array", "create_refund", { amount: [1000] })),
    // Found attacking the fix: whitespace past the reading bound, JSON strings in strings, near-numbers.
    req(request("c-amount-padded", "create_refund", { amount: `${" ".repeat(3000)}5000` })),
    req(request("c-amount-quoted", "create_refund", { amount: '"1000"' })),
    req(request("c-amount-dots", "create_refund", { amount: "1000.0.0" })),
    req(request("c-order-variant", "refund_order", { order: '{"amount": 1, "Amount": 1000}' })),
    fine("c-allowed-zero", "set_flag", { force: 0 }),
    fine("c-allowed-order", "refund_order", { order: { amount: 5 } }),
    fine("c-allowed-transfer", "transfer", { amount: 9007199254740991, to: "x" }),
  ],
  "4. requests disguised as notifications, and method spellings a lenient dispatcher would run": [
    note(JSON.stringify({ jsonrpc: "2.0", method: "tools/call", params: { name: "delete_everything", arguments: {} } })),
    note(JSON.stringify({ jsonrpc: "2.0", method: "tools/call", params: { name: "create_refund", arguments: { amount: 1000000 } } })),
    note(JSON.stringify({ jsonrpc: "2.0", method: "TOOLS/CALL", params: { name: "delete_everything" } })),
    req(JSON.stringify({ jsonrpc: "2.0", id: "m-case", method: "Tools/Call", params: { name: "delete_everything" } })),
    req(JSON.stringify({ jsonrpc: "2.0", id: "m-space", method: " tools/call ", params: { name: "delete_everything" } })),
    req(JSON.stringify({ jsonrpc: "2.0", id: "m-nul", method: "tools/call\u0000x", params: { name: "delete_everything" } })),
  ],
  "5. crashes: invalid escapes and cut escapes in keys and values": [
    req(`{"jsonrpc":"2.0","id":"e-value","method":"tools/call","params":{"name":"echo","arguments":{"x":"\\q"}}}`, null),
    req(`{"jsonrpc":"2.0","id":"e-key","method":"tools/call","params":{"name":"echo","arguments":{"\\q":1}}}`, null),
    req(`{"jsonrpc":"2.0","id":"e-short","method":"tools/call","params":{"name":"echo","arguments":{"x":"\\u12"}}}`, null),
    req(`{"jsonrpc":"2.0","id":"e-lone","method":"tools/call","params":{"name":"echo","arguments":{"x":"\\ud800"}}}`),
    req(`{"jsonrpc":"2.0","id":"e-end","method":"tools/call","params":{"name":"echo","arguments":{"x":"\\`, null),
  ],
};

// Classes one after another, the four stand-ins of each side by side: eight processes at a time, not forty.
describe("differential: stand-in upstreams run nothing the policy forbids", () => {
  for (const [name, lines] of Object.entries(CLASSES)) {
    it(name, async () => {
      const results = await Promise.all(STAND_INS.map(async (standIn) => ({ standIn, result: await exchange(start, standIn, lines) })));
      const problems = results.flatMap(({ standIn, result }) => checkExchange(result, lines).map((p) => `${standIn.name}: ${p}`));
      assert.deepEqual(problems, []);
    });
  }
});
