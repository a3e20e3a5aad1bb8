import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { heldId } from "../approvals/helpers.js";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter, type Json } from "../helpers/wrapper-process.js";
import { chromium, launchBrowser } from "./browser.js";
import { uiStarter } from "./helpers.js";

// The dashboard in a real browser, against a real wrapper: the held call
// appears with its arguments, clicking Approve releases it in the wrapper,
// and the decisions, counters and wrappers views show what happened. The
// screenshot in docs/approvals.md is taken here (POLICY_WRAP_SCREENSHOT=<png>).

if (chromium.skip) console.log(`# skipped: ${chromium.skip}`);
const dir = tempDir();
const launch = wrapperStarter();
const startUi = uiStarter();
const SERVER = [process.execPath, join(ROOT, "dist", "examples", "aws-server", "server.js")];
const INJECTION = `<img src=x onerror="window.__pwned=1">`;

const policy = {
  version: "1",
  default: "deny",
  hide: ["DeleteAHOSequenceStore"],
  tools: {
    ListAHOReadSets: { rate_limit: { max: 5, window: "minute" } },
    GetAHOReadSet: {},
    StartAHOReadSetExportJob: { action: "require_approval", limits: [{ counter: "exports", window: "hour", max: 3 }] },
    "Delete*": { action: "deny", reason: "Deletion is done by humans in the console." },
  },
};

function call(wrapper: ReturnType<typeof launch>, id: string, name: string, args: Json): Promise<Json> {
  wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });
  return wrapper.answerTo(id);
}

describe("the dashboard in Chromium", { skip: chromium.skip }, () => {
  it("shows a held call, releases it on Approve, and shows the decision, the counters and the wrapper", async () => {
    const state = join(dir, "state.db");
    const audit = join(dir, "audit.db");
    const file = writePolicy(dir, policy);
    const wrapper = launch({ policy: file, upstream: SERVER, extraArgs: ["--state", state, "--audit", audit] });
    await wrapper.initialize({});
    await wrapper.request("tools/list");
    await call(wrapper, "l1", "ListAHOReadSets", { sequenceStoreId: "seq-1" });
    await call(wrapper, "l2", "ListAHOReadSets", { sequenceStoreId: "seq-2" });
    assert.equal((await call(wrapper, "d1", "DeleteAHOReadSet", { sequenceStoreId: "seq-1", readSetIds: ["rs-1"] })).result.isError, true);
    const args = { sequenceStoreId: "seq-1", destination: "s3://omics-exports-lab/2026-q4/", format: "BAM" };
    wrapper.send({ jsonrpc: "2.0", id: "x1", method: "tools/call", params: { name: "StartAHOReadSetExportJob", arguments: args } });
    const id = await heldId(wrapper);

    const ui = await startUi(["--state", state, "--audit", audit]);
    const context = await launchBrowser();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => void dialog.dismiss().then(() => dialogs.push(dialog.message())));
    await page.goto(ui.url);

    const card = page.locator(`article.pending[data-id="${id}"]`);
    await card.waitFor();
    assert.equal(await card.locator(".title").textContent(), "StartAHOReadSetExportJob");
    const shown = (await card.locator("pre.args").textContent()) ?? "";
    assert.deepEqual(JSON.parse(shown), args, "the arguments, pretty-printed, exactly as held");
    assert.match(shown, /\n {2}"destination": "s3:\/\/omics-exports-lab\/2026-q4\/"/);
    await page.locator("#wrappers .title", { hasText: "aws-healthomics" }).waitFor();
    await page.locator("#counters td", { hasText: "2 of 5" }).waitFor();
    await page.locator("#decisions td", { hasText: "Deletion is done by humans in the console." }).waitFor();
    const screenshot = process.env.POLICY_WRAP_SCREENSHOT ? resolve(process.env.POLICY_WRAP_SCREENSHOT) : join(dir, "dashboard.png");
    await page.screenshot({ path: join(dir, "shot.png"), fullPage: true });
    copyFileSync(join(dir, "shot.png"), screenshot);

    await card.locator("input").fill("checked with the lab lead");
    await card.locator("button.approve").click();
    const answer = await wrapper.answerTo("x1");
    assert.notEqual(answer.result.isError, true, JSON.stringify(answer));
    assert.match(answer.result.content[0].text, /export/i);
    await card.waitFor({ state: "detached" });
    assert.equal(await page.locator("#pending-count").textContent(), "0");

    const decided = page.locator("#approvals tr", { hasText: id });
    await decided.locator("td", { hasText: /approved by .* \(dashboard\): checked with the lab lead/ }).waitFor();
    await decided.locator("td", { hasText: "the wrapper forwarded the call to the server" }).waitFor();
    await page
      .locator("#decisions tr", { hasText: "StartAHOReadSetExportJob" })
      .locator(".badge", { hasText: "allowed" })
      .first()
      .waitFor();
    await page.locator("#counters tr", { hasText: "exports" }).locator("td", { hasText: "1 of 3" }).waitFor();

    // The decisions view filters: denied calls only.
    await page.selectOption("#filter-outcome", "deny");
    await page.locator("#decisions tr", { hasText: "DeleteAHOReadSet" }).waitFor();
    // A locator, not waitForFunction: that one polls with eval in the page once its first look fails, which the CSP refuses.
    await page.locator("#decisions tr", { hasText: "StartAHOReadSetExportJob" }).first().waitFor({ state: "detached" });

    // Everything from outside is text: a tool name, arguments and a reason that carry markup.
    await page.selectOption("#filter-outcome", "");
    assert.equal((await call(wrapper, "i1", INJECTION, {})).result.isError, true);
    await page.locator("#decisions td", { hasText: INJECTION }).first().waitFor();
    wrapper.send({
      jsonrpc: "2.0",
      id: "x2",
      method: "tools/call",
      params: { name: "StartAHOReadSetExportJob", arguments: { note: INJECTION } },
    });
    const second = await heldId(wrapper, 1);
    const hostile = page.locator(`article.pending[data-id="${second}"]`);
    assert.match((await hostile.locator("pre.args").textContent()) ?? "", /"note": "<img src=x onerror=\\"window.__pwned=1\\">"/);
    await hostile.locator("input").fill("<b>not</b> this one");
    await hostile.locator("button.deny").click();
    assert.match(
      (await wrapper.answerTo("x2")).result.content[0].text,
      /denied the call to "StartAHOReadSetExportJob" with the policy-wrap dashboard: <b>not<\/b> this one/,
    );
    await page.locator("#approvals td", { hasText: "<b>not</b> this one" }).first().waitFor();
    assert.equal(await page.locator("main img, main b").count(), 0, "no markup from outside became an element");
    assert.equal(await page.evaluate("typeof window.__pwned"), "undefined");

    // A rejected reload shows on the wrapper's card, with its problems.
    writeFileSync(file, '{ "version": "1", "default": "alow" }');
    await wrapper.waitForStderr(/policy reload rejected/);
    const wrapperCard = page.locator("#wrappers article", { hasText: "aws-healthomics" });
    await wrapperCard.locator(".badge", { hasText: "last reload rejected" }).waitFor();
    assert.match((await wrapperCard.locator("pre.problems").textContent()) ?? "", /alow/);
    assert.deepEqual(dialogs, []);
  });
});
