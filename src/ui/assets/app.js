// The dashboard page: polls the snapshot once a second and draws it. Every
// value from outside (tool names, arguments, reasons, problems) is put into
// the page as text (textContent), never as markup.
"use strict";

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

/** An element with text and classes; children appended in order. */
function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = String(options.text);
  if (options.title) node.title = options.title;
  for (const child of children) if (child) node.append(child);
  return node;
}

function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d`;
}

/** 60000 -> "1 minute", 5400000 -> "90 minutes". */
function windowWords(ms) {
  for (const [unit, size] of [
    ["day", 86400000],
    ["hour", 3600000],
    ["minute", 60000],
    ["second", 1000],
  ]) {
    if (ms % size === 0) {
      const n = ms / size;
      return `${n} ${unit}${n === 1 ? "" : "s"}`;
    }
  }
  return `${ms} ms`;
}

function badge(text, kind) {
  return el("span", { className: `badge ${kind}`, text });
}

function outcomeBadge(outcome) {
  if (outcome === "allow") return badge("allowed", "ok");
  if (outcome === "deny") return badge("denied", "bad");
  if (outcome === "would_deny") return badge("would deny", "warn");
  return badge(outcome ?? "—", "plain");
}

function answerBadge(answer) {
  if (answer === "approved") return badge("approved", "ok");
  if (answer === "declined") return badge("denied", "bad");
  if (answer === "timed_out") return badge("timed out", "warn");
  return badge((answer ?? "").replace("_", " "), "plain");
}

function code(text) {
  return el("code", { text });
}

function table(headers, rows) {
  const head = el("tr");
  for (const h of headers) head.append(el("th", { text: h }));
  const body = el("tbody");
  for (const cells of rows) {
    const tr = el("tr");
    for (const cell of cells) {
      const td = el("td", { className: cell && cell.className ? cell.className : "" });
      if (cell && cell.node) td.append(cell.node);
      else td.textContent = cell === null || cell === undefined ? "" : String(cell);
      tr.append(td);
    }
    body.append(tr);
  }
  return el("table", {}, el("thead", {}, head), body);
}

function showError(container, message) {
  container.replaceChildren(el("p", { className: "error", text: message }));
}

let toastTimer;
function toast(message) {
  const node = $("toast");
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (node.hidden = true), 4000);
}

// Held calls: cards kept by id, so that a reason being typed survives the next poll.
const cards = new Map();

async function decide(id, verb, words, card) {
  for (const button of card.querySelectorAll("button")) button.disabled = true;
  const body = verb === "approve" ? { note: words } : { reason: words };
  try {
    const response = await fetch(`api/approvals/${encodeURIComponent(id)}/${verb}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    toast(response.ok ? `${id}: ${answer.decided}` : `${id}: ${answer.error}`);
  } catch (error) {
    toast(`${id}: ${error.message}`);
    for (const button of card.querySelectorAll("button")) button.disabled = false;
  }
  refresh();
}

function pendingCard(p) {
  const card = el("article", { className: "card pending" });
  card.dataset.id = p.id;
  const head = el(
    "div",
    { className: "card-head" },
    el("span", { className: "title", text: p.tool }),
    el("span", { className: "meta", text: `approval ${p.id}` }),
  );
  const meta = el("div", { className: "meta" });
  meta.append("on ", code(p.server), " · ", code(p.command), ` · wrapper pid ${p.pid} · rule `, code(p.rule));
  const args = el("pre", { className: "args", text: p.arguments });
  const timer = el("div", { className: "timer" }, el("span"));
  const left = el("div", { className: "meta left" });
  const input = el("input");
  input.type = "text";
  input.placeholder = "Note or reason (optional; a denial's reason is shown to the agent)";
  input.maxLength = 1000;
  input.setAttribute("aria-label", `Note or reason for ${p.tool}`);
  const approve = el("button", { className: "approve", text: "Approve" });
  const deny = el("button", { className: "deny", text: "Deny" });
  approve.type = deny.type = "button";
  approve.addEventListener("click", () => decide(p.id, "approve", input.value, card));
  deny.addEventListener("click", () => decide(p.id, "deny", input.value, card));
  card.append(head, meta, args);
  if (p.argumentsTruncated)
    card.append(el("p", { className: "notice", text: "The arguments are too long to show in full; only their start is shown." }));
  card.append(timer, left, el("div", { className: "actions" }, input, approve, deny));
  return card;
}

function updateCard(card, p, now) {
  const total = Math.max(1, p.expiresAt - p.createdAt);
  const remaining = Math.max(0, p.expiresAt - now);
  card.querySelector(".timer > span").style.width = `${(100 * remaining) / total}%`;
  card.querySelector(".left").textContent = `waiting ${ago(now - p.createdAt)} · refused in ${ago(remaining)} unless approved`;
}

function drawPending(part, now) {
  const container = $("pending");
  if (!part.ok) return showError(container, `Cannot read the held calls: ${part.error}`);
  const seen = new Set();
  for (const p of part.value) {
    seen.add(p.id);
    let card = cards.get(p.id);
    if (!card) {
      card = pendingCard(p);
      cards.set(p.id, card);
      container.append(card);
    }
    updateCard(card, p, now);
  }
  for (const [id, card] of cards) {
    if (seen.has(id)) continue;
    card.remove();
    cards.delete(id);
  }
  const count = $("pending-count");
  count.textContent = String(part.value.length);
  count.classList.toggle("hot", part.value.length > 0);
  $("pending-empty").hidden = part.value.length > 0;
  document.title = part.value.length > 0 ? `(${part.value.length}) policy-wrap` : "policy-wrap";
}

// Changed tools: cards kept by server, tool and the definition's hash, so a card is redrawn only when the definition changes.
const pinCards = new Map();
const LINE_CLASS = { "-": "del", "+": "add", "~": "chg", " ": "" };

async function approvePin(change, card) {
  for (const button of card.querySelectorAll("button")) button.disabled = true;
  try {
    const response = await fetch("api/pins/approve", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ server: change.server, tool: change.tool, hash: change.hash }),
    });
    const answer = await response.json();
    toast(response.ok ? `approved the new definition of ${change.tool}` : `${change.tool}: ${answer.error}`);
    if (!response.ok) for (const button of card.querySelectorAll("button")) button.disabled = false;
  } catch (error) {
    toast(`${change.tool}: ${error.message}`);
    for (const button of card.querySelectorAll("button")) button.disabled = false;
  }
  refresh();
}

function pinCard(change, now) {
  const card = el("article", { className: "card pin" });
  card.dataset.tool = change.tool;
  card.append(
    el(
      "div",
      { className: "card-head" },
      el("span", { className: "title", text: change.tool }),
      el("span", { className: "meta", text: `seen ${ago(now - change.seenAt)} ago` }),
    ),
  );
  const meta = el("div", { className: "meta" });
  if (change.why === "case") meta.append("new, and its name differs only by case from the approved tool ", code(change.like ?? ""));
  else meta.append("its definition changed since it was approved");
  meta.append(" · server ", code(change.server), " · sha256 ", code(change.hash.slice(0, 12)));
  card.append(meta);
  for (const field of change.fields) {
    card.append(el("div", { className: "field", text: field.field }));
    const pre = el("pre", { className: "diff" });
    for (const line of field.lines) pre.append(el("span", { className: LINE_CLASS[line.mark] ?? "", text: `${line.mark} ${line.text}\n` }));
    if (field.words) pre.append(el("span", { text: `word by word: ${field.words}\n` }));
    card.append(pre);
  }
  if (change.fields.length === 0) card.append(el("p", { className: "empty", text: "No difference in the pinned fields." }));
  const approve = el("button", { className: "approve", text: "Approve this definition" });
  approve.type = "button";
  approve.addEventListener("click", () => approvePin(change, card));
  card.append(el("div", { className: "actions" }, approve));
  return card;
}

function drawPins(part, now) {
  const container = $("pins");
  if (!part || !part.ok) return showError(container, `Cannot read the pins: ${part ? part.error : "not reported"}`);
  const seen = new Set();
  for (const change of part.value) {
    const key = `${change.server}\u0000${change.tool}\u0000${change.hash}`;
    seen.add(key);
    if (!pinCards.has(key)) {
      const card = pinCard(change, now);
      pinCards.set(key, card);
      container.append(card);
    }
  }
  for (const [key, card] of pinCards) {
    if (seen.has(key)) continue;
    card.remove();
    pinCards.delete(key);
  }
  const count = $("pins-count");
  count.textContent = String(part.value.length);
  count.classList.toggle("hot", part.value.length > 0);
  $("pins-empty").hidden = part.value.length > 0;
}

function drawDecisions(part, now) {
  const container = $("decisions");
  if (!part.ok) return showError(container, `Cannot read the audit trail: ${part.error}`);
  if (!part.value.available) {
    container.replaceChildren(el("p", { className: "empty", text: "No audit trail yet: wrappers write one as they decide calls." }));
    return;
  }
  if (part.value.rows.length === 0) {
    container.replaceChildren(el("p", { className: "empty", text: "No decisions match these filters." }));
    return;
  }
  const rows = part.value.rows.map((r) => [
    { node: el("span", { text: `${ago(now - Date.parse(r.time))} ago`, title: r.time }) },
    { node: code(r.tool ?? "") },
    { node: r.kind === "approval" ? answerBadge(r.result) : outcomeBadge(r.outcome) },
    r.kind === "approval" ? "approval" : (r.cause ?? ""),
    { node: r.rule ? code(r.rule) : el("span") },
    { node: el("span", { text: r.reason ?? "" }), className: "reason" },
  ]);
  container.replaceChildren(table(["When", "Tool", "Outcome", "Cause", "Rule", "Reason"], rows));
}

function drawApprovals(part, now) {
  const container = $("approvals");
  if (!part.ok) return showError(container, `Cannot read the approvals: ${part.error}`);
  if (part.value.length === 0) {
    container.replaceChildren(el("p", { className: "empty", text: "No approval decided yet." }));
    return;
  }
  const rows = part.value.map((a) => [
    { node: el("span", { text: a.decidedAt ? `${ago(now - a.decidedAt)} ago` : "" }) },
    { node: code(a.id) },
    { node: code(a.tool) },
    { node: answerBadge(a.answer) },
    { node: el("span", { text: a.decision }), className: "reason" },
    { node: el("span", { text: a.outcome ?? "" }), className: "reason" },
  ]);
  container.replaceChildren(table(["When", "Approval", "Tool", "Answer", "Decided", "Then"], rows));
}

function drawCounters(part) {
  const container = $("counters");
  if (!part.ok) return showError(container, `Cannot read the counters: ${part.error}`);
  if (part.value.length === 0) {
    container.replaceChildren(
      el("p", { className: "empty", text: "No counters yet: they appear when a rate-limited tool is first called." }),
    );
    return;
  }
  const rows = part.value.map((c) => {
    const bar = el("span", { className: c.used >= c.max ? "bar full" : "bar" }, el("span"));
    bar.firstChild.style.width = `${Math.min(100, (100 * c.used) / Math.max(1, c.max))}%`;
    const use = el("span", {}, bar, `${c.used} of ${c.max}`);
    return [
      { node: code(c.counter) },
      c.scope,
      { node: use },
      windowWords(c.windowMs),
      { node: c.retryAfterMs > 0 ? badge(`in ${ago(c.retryAfterMs)}`, "bad") : badge("now", "ok") },
      { node: el("span", { text: c.grant }), className: "reason" },
    ];
  });
  container.replaceChildren(table(["Counter", "Scope", "Use", "Window", "Next slot", "Grant"], rows));
}

function wrapperCard(w, now) {
  const s = w.status;
  const card = el("article", { className: "card" });
  const name = s.server ?? s.command;
  card.append(
    el(
      "div",
      { className: "card-head" },
      el("span", { className: "title", text: name }),
      el("span", {
        className: "meta",
        text: `pid ${w.pid} · up ${ago(now - w.startedAt)}${w.liveness === "elsewhere" ? ` · on ${w.host}` : ""}`,
      }),
    ),
  );
  const kv = el("dl", { className: "kv" });
  const row = (label, ...value) => kv.append(el("dt", { text: label }), el("dd", {}, ...value));
  row("Command", code(s.command));
  row("Policy file", code(s.policyFile ?? "—"));
  const status = el("div");
  if (s.rejectedReload && (!s.lastReload || !s.lastReload.accepted)) {
    status.append(badge("last reload rejected", "warn"), ` ${ago(now - s.rejectedReload.at)} ago; the last good policy stays in force`);
    status.append(el("pre", { className: "problems", text: s.rejectedReload.problems.join("\n") }));
  } else {
    status.append(badge("in force", "ok"), ` since ${ago(now - s.policyLoadedAt)} ago · `, code(s.policy.slice(0, 12)));
  }
  if (s.mode === "monitor") status.append(" ", badge("monitor mode", "warn"));
  row("Policy", status);
  if (s.tools) {
    const chips = el("div", { className: "chips" });
    for (const tool of s.tools.visible) chips.append(el("span", { className: "chip", text: tool }));
    row(`Visible tools (${s.tools.visible.length} of ${s.tools.total})`, chips);
  } else row("Visible tools", el("span", { className: "meta", text: "not listed by the client yet" }));
  const answers = Object.entries(s.approvals.answers)
    .map(([answer, n]) => `${n} ${answer.replace("_", " ")}`)
    .join(", ");
  row("Approvals", el("span", { text: `${s.approvals.waiting.length} waiting${answers ? ` · ${answers}` : ""}` }));
  if (s.storeFault) row("Counter store", el("span", { className: "error", text: s.storeFault.message }));
  if (s.auditFault) row("Audit trail", el("span", { className: "error", text: s.auditFault.message }));
  card.append(kv);
  return card;
}

function drawWrappers(part, now) {
  const container = $("wrappers");
  if (!part.ok) return showError(container, `Cannot read the wrappers: ${part.error}`);
  $("wrappers-count").textContent = String(part.value.length);
  if (part.value.length === 0) {
    container.replaceChildren(el("p", { className: "empty", text: "No wrapper is running with these records." }));
    return;
  }
  container.replaceChildren(...part.value.map((w) => wrapperCard(w, now)));
}

function drawFiles(files) {
  const footer = $("files");
  footer.replaceChildren("records ", code(files.records), " · counters ", code(files.state), " · audit ", code(files.audit));
}

function query() {
  const params = new URLSearchParams();
  for (const name of ["tool", "outcome", "since"]) {
    const value = $(`filter-${name}`).value.trim();
    if (value) params.set(name, value);
  }
  return params.toString();
}

let inFlight = false;
async function refresh() {
  if (inFlight) return;
  inFlight = true;
  const live = $("live");
  try {
    const response = await fetch(`api/state?${query()}`, { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const state = await response.json();
    drawPending(state.pending, state.now);
    drawPins(state.pins, state.now);
    drawDecisions(state.decisions, state.now);
    drawApprovals(state.approvals, state.now);
    drawCounters(state.counters);
    drawWrappers(state.wrappers, state.now);
    drawFiles(state.files);
    live.className = "live on";
    live.textContent = `live · ${new Date(state.now).toLocaleTimeString()}`;
  } catch (error) {
    live.className = "live off";
    live.textContent = `disconnected (${error.message})`;
  } finally {
    inFlight = false;
  }
}

$("filters").addEventListener("input", () => refresh());
$("filters").addEventListener("submit", (event) => event.preventDefault());
refresh();
setInterval(() => {
  if (!document.hidden) refresh();
}, POLL_MS);
