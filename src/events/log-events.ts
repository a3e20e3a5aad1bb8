import { quote, type Logger } from "../log.js";
import { formatChange } from "../policy/describe-change.js";
import { describeUnmatchedName } from "../policy/unmatched-names.js";
import type { EventListener, ReloadEvent, WrapperEvent } from "./events.js";

// The stderr logger as an event subscriber: one line per event worth a line
// at the chosen level. Names from outside are quoted; the logger escapes the rest.

export function logEvents(log: Logger): EventListener {
  return (event: WrapperEvent) => {
    switch (event.type) {
      case "decision": {
        const tool = quote(event.target.name);
        if (event.outcome === "allow") log.debug(`allowed ${tool} by ${event.rule}`);
        // A store fault is reported once by its own event; repeating it per call would bury it.
        else if (event.cause === "limit_store") log.debug(`denied ${tool} (${event.cause}, ${event.rule}): ${event.reason ?? ""}`);
        else
          log.info(`${event.outcome === "deny" ? "denied" : "would deny"} ${tool} (${event.cause}, ${event.rule}): ${event.reason ?? ""}`);
        return;
      }
      case "approval":
        if (event.phase === "asked") log.debug(`asked the user to approve ${quote(event.target.name)} (${event.channel})`);
        else if (event.answer === "approved") log.info(`approved ${quote(event.target.name)} by the user (${event.channel})`);
        else if (event.answer === "cancelled")
          log.info(`dropped ${quote(event.target.name)}: the client cancelled it while approval was pending`);
        return;
      case "call_end":
        log.debug(
          `${quote(event.target.name)} ended: ${event.result}${event.code === undefined ? "" : ` ${event.code}`} after ${event.durationMs} ms`,
        );
        return;
      case "reload":
        if (event.accepted) log.info(`policy reloaded from ${event.file}: ${formatChange(event.change)}`);
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
    }
  };
}

/** A rejected reload in words, line by line: stderr and the client's log (proxy/client-log) say the same. */
export function rejectedReloadLines(event: Extract<ReloadEvent, { accepted: false }>): string[] {
  return ["policy reload rejected; the last good policy stays in force:", ...event.problems.map((problem) => `  ${problem}`)];
}
