import { targetLabel } from "../policy/target.js";
import { quote, type Logger } from "../log.js";
import { formatChange } from "../policy/describe-change.js";
import { describeUnmatchedName } from "../policy/unmatched-names.js";
import type { ApprovalEvent, EventListener, PinEvent, ReloadEvent, WrapperEvent } from "./events.js";

// The stderr logger as an event subscriber: one line per event worth a line
// at the chosen level. Names from outside are quoted; the logger escapes the rest.

const AUDIT_FAULT = "calls go on unrecorded until it can be written (--audit-required refuses them instead)";
const AUDIT_REQUIRED_FAULT = "--audit-required is set, so calls are refused until it can be written";

export function logEvents(log: Logger): EventListener {
  // Every call makes a decision and a call_end event; their lines are debug lines, not built at other levels.
  const debug = log.enabled("debug");
  return (event: WrapperEvent) => {
    switch (event.type) {
      case "decision": {
        if (event.outcome === "allow" && !debug) return;
        const tool = quote(targetLabel(event.target));
        if (event.outcome === "allow") log.debug(`allowed ${tool} by ${event.rule}`);
        // A store or audit fault is reported once by its own event; repeating it per call would bury it.
        else if (event.cause === "limit_store" || event.cause === "audit")
          log.debug(`denied ${tool} (${event.cause}, ${event.rule}): ${event.reason ?? ""}`);
        else if (event.outcome === "deny") log.info(`denied ${tool} (${event.cause}, ${event.rule}): ${event.reason ?? ""}`);
        else log.info(`would deny ${tool} (${event.cause}, ${event.rule}), forwarded in monitor mode: ${event.reason ?? ""}`);
        return;
      }
      case "approval":
        logApproval(log, event);
        return;
      case "call_end":
        if (!debug) return;
        log.debug(
          `${quote(targetLabel(event.target))} ended: ${event.result}${event.code === undefined ? "" : ` ${event.code}`} after ${event.durationMs} ms`,
        );
        return;
      case "reload":
        if (event.accepted)
          log.info(`policy reloaded from ${event.file}${event.mode === "monitor" ? " (monitor mode)" : ""}: ${formatChange(event.change)}`);
        else for (const line of rejectedReloadLines(event)) log.error(line);
        return;
      case "store_fault":
        log.error(`${event.message}; rate-limited calls are refused until this is fixed`);
        return;
      case "store_recovered":
        log.warn(`the counter store ${event.store} works again; rate-limited calls are checked again`);
        return;
      case "unmatched_names":
        for (const name of event.names) log.warn(describeUnmatchedName(name));
        return;
      case "list":
        log.debug(`${event.method}: ${event.visible} of ${event.total} visible`);
        return;
      case "server_info":
        log.debug(`the upstream calls itself ${quote(event.name ?? "(no name)")} ${quote(event.version ?? "")}`);
        return;
      case "audit_fault":
        log.error(`${event.message}; ${event.required ? AUDIT_REQUIRED_FAULT : AUDIT_FAULT}`);
        return;
      case "audit_recovered":
        log.warn(`the audit trail ${event.file} is written again; ${event.lost} record(s) were lost meanwhile (a gap record says so)`);
        return;
      case "pin":
        logPin(log, event);
        return;
    }
  };
}

/** A rejected reload in words, line by line: stderr and the client's log (proxy/client-log) say the same. */
export function rejectedReloadLines(event: Extract<ReloadEvent, { accepted: false }>): string[] {
  return ["policy reload rejected; the last good policy stays in force:", ...event.problems.map((problem) => `  ${problem}`)];
}

/** A call held out of band, in words, with the command that decides it: stderr and the client's log say the same. */
export function approvalNeededLine(event: ApprovalEvent): string | undefined {
  if (event.phase !== "asked" || event.channel !== "out_of_band" || event.command === undefined) return undefined;
  return `approval needed: ${event.command} (tool ${quote(targetLabel(event.target))}; policy-wrap deny ${event.approval ?? ""} refuses it)`;
}

/** A held call's course: the command that decides it, then who decided and how. */
function logApproval(log: Logger, event: ApprovalEvent): void {
  const tool = quote(targetLabel(event.target));
  if (event.phase === "asked") {
    const needed = approvalNeededLine(event);
    if (needed !== undefined) log.warn(needed);
    else log.debug(`asked the user to approve ${tool} (${event.channel})`);
    return;
  }
  const who = `${quote(event.by ?? "")} (${event.channel})`;
  const note = event.note ? `: ${quote(event.note)}` : "";
  if (event.answer === "approved") log.info(`approved ${tool} by ${who}${note}`);
  else if (event.answer === "cancelled")
    log.info(
      `dropped ${tool}: ${event.channel === "client" ? "the client cancelled it" : "the wrapper stopped"} while approval was pending`,
    );
  else if (event.answer === "declined") log.info(`denied ${tool} by ${who}${note}`);
  else log.info(`not approved ${tool}: ${event.answer ?? ""}`);
}
function logPin(log: Logger, event: PinEvent): void {
  const server = quote(event.server);
  const tool = quote(event.tool ?? "");
  switch (event.action) {
    case "pinned":
      log.debug(`pinned ${tool} of ${server} (first list of this server)`);
      return;
    case "new":
      log.info(`new tool ${tool} of ${server} pinned on sight`);
      return;
    case "changed": {
      const what = CHANGE_WORDS[event.why ?? "definition"];
      const then = event.held ? "held back until approved" : "passes (pin: warn)";
      const review = event.review === undefined ? "" : `; review: ${event.review}`;
      log.warn(`tool ${tool} of ${server}: ${what}${event.message ? ` (${event.message})` : ""}; ${then}${review}`);
      return;
    }
    case "approved":
      log.info(`the new definition of ${tool} of ${server} was approved with policy-wrap pins`);
      return;
    case "reset":
      log.info(`the pins of ${server} were reset with policy-wrap pins; its next list pins its tools again`);
      return;
    case "renamed":
      log.warn(`the server now calls itself ${server} (it was ${quote(event.like ?? "")}); its pins carry over`);
      return;
    case "unavailable":
      log.error(`the pin records cannot be used: ${event.message ?? ""}; with pin: enforce, every tool is held back until this is fixed`);
      return;
    case "recovered":
      log.warn(`the pin records work again; tools are checked against their pins again`);
      return;
  }
}

const CHANGE_WORDS: Record<NonNullable<PinEvent["why"]>, string> = {
  definition: "its definition changed since it was approved",
  case: "a new name that differs from an approved tool's only by case",
  duplicate: "listed more than once with different definitions",
  unreadable: "its definition cannot be read exactly",
};
