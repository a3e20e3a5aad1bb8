import { diffDefinitions, type FieldDiff } from "./definition-diff.js";
import { fieldLines, type FieldLines } from "./diff-lines.js";
import type { PinStore } from "./pin-store.js";

// The changed tools with their differences, for `policy-wrap pins` and for
// the dashboard: one function each, reading the records only.

export interface ChangedTool {
  server: string;
  tool: string;
  /** definition: it differs from its pin; case: a new name that differs from a pinned one (`like`) only by case. */
  why: "definition" | "case";
  like: string | null;
  /** sha256 of the definition seen (what `pins approve --hash` takes). */
  hash: string;
  seenAt: number;
  /** The approved definition compared against (the `like` tool's, for case). */
  pinned: { tool: string; hash: string; pinnedAt: number } | undefined;
  diff: FieldDiff[];
}

/** The changed tool, or undefined when the server has no recorded change for it. */
export function describeChangedTool(store: PinStore, server: string, tool: string): ChangedTool | undefined {
  const { changed } = store.definitions(server, tool);
  if (!changed) return undefined;
  const why = changed.why === "case" ? "case" : "definition";
  const against = why === "case" && changed.like !== null ? changed.like : tool;
  const pinned = store.definitions(server, against).pinned;
  return {
    server,
    tool,
    why,
    like: changed.like,
    hash: changed.hash,
    seenAt: changed.at,
    pinned: pinned && { tool: against, hash: pinned.hash, pinnedAt: pinned.at },
    diff: diffDefinitions(pinned?.definition, changed.definition),
  };
}

/** Every changed tool (of one server, or of all), with its differences. */
export function listChangedTools(store: PinStore, server?: string): ChangedTool[] {
  const servers = server === undefined ? store.servers().map((row) => row.server) : [server];
  return servers.flatMap((key) =>
    store.changes(key).flatMap((change) => {
      const described = describeChangedTool(store, key, change.tool);
      return described ? [described] : [];
    }),
  );
}

/** A changed tool as the dashboard shows it: its differences as visible lines (nothing from the server left to the page to escape). */
export function changedToolView(change: ChangedTool) {
  const { server, tool, why, like, hash, seenAt, pinned } = change;
  return { server, tool, why, like, hash, seenAt, pinned: pinned ?? null, fields: change.diff.map(fieldLines) as FieldLines[] };
}
