import type { Hold } from "./compare-pins.js";

// What the agent (and through it, the person) reads when a call is refused
// because of a pin. The command in it must work as printed: the server key
// and the tool name come from outside, so they are quoted for a POSIX shell.

export type PinVerdict =
  { ok: true } | { ok: false; cause: "pin_changed" | "pin_unverified"; reason: string; details: Record<string, unknown> };

/** A word a POSIX shell reads back as itself. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

export function diffCommand(server: string, tool: string, flags: readonly string[] = []): string {
  return ["policy-wrap", "pins", "diff", ...flags.map(shellWord), shellWord(server), shellWord(tool)].join(" ");
}

/** `called`: the name the call used; `held`: the listed tool it reaches (they differ only by case when not equal). */
export function heldReason(called: string, held: string, hold: Hold, server: string, flags: readonly string[]): PinVerdict {
  const details = { server, tool: held, why: hold.why, pinned: hold.pinned, seen: hold.seen, like: hold.like };
  const via = called === held ? "" : ` (the upstream lists it as "${held}")`;
  switch (hold.why) {
    case "definition":
      return {
        ok: false,
        cause: "pin_changed",
        reason: `The definition of tool "${called}"${via} changed since it was approved; review it with: ${diffCommand(server, held, flags)}`,
        details,
      };
    case "case":
      return {
        ok: false,
        cause: "pin_changed",
        reason:
          `Tool "${called}"${via} is new, and its name differs only by case from the approved tool "${hold.like ?? ""}"; ` +
          `review it with: ${diffCommand(server, held, flags)}`,
        details,
      };
    case "duplicate":
      return {
        ok: false,
        cause: "pin_unverified",
        reason: `The upstream lists tool "${held}" more than once with different definitions, so which one the client uses is unknown; it is held back until the upstream lists one.`,
        details,
      };
    case "unreadable":
      return {
        ok: false,
        cause: "pin_unverified",
        reason: `The definition of tool "${held}" cannot be checked against its pin: ${hold.problem ?? "it cannot be read"}.`,
        details,
      };
  }
}

export function unavailableReason(tool: string, fault: string): string {
  return `The definition of tool "${tool}" cannot be checked against its approved definition (${fault}), so the call was refused.`;
}

export function unsettledReason(): string {
  return "the upstream announced a change to its tools while its list was being read";
}

export function unverifiedVerdict(reason: string): PinVerdict {
  return { ok: false, cause: "pin_unverified", reason, details: {} };
}

/** A call that came while the tool list could not be had fresh: why (or that changes kept being announced). */
export function unsettledVerdictReason(tool: string, why: string | undefined): string {
  return `The definition of tool "${tool}" cannot be checked against its pin: ${why ?? unsettledReason()}`;
}
