import type { ChangedTool } from "../pins/changed-tools.js";
import type { FieldDiff } from "../pins/definition-diff.js";
import { fieldLines } from "../pins/diff-lines.js";
import { shellWord } from "../pins/pin-reasons.js";
import type { PinRow, ServerRow } from "../pins/pin-rows.js";
import { visibleText } from "../pins/visible-text.js";

// `policy-wrap pins` for a terminal. Every name, description and value comes
// from an upstream: each goes through visibleText, so nothing it holds can
// move the cursor, recolour the screen or hide a character.

export function time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [header, ...rows]
    .map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  "))
    .join("\n");
}

export function formatServers(servers: ServerRow[], changed: ChangedTool[], flags: string[]): string {
  const rows = servers.map((s) => [
    visibleText(s.server),
    String(s.pins),
    String(s.changes),
    time(s.lastSeen),
    visibleText(s.command.map(shellWord).join(" ")),
  ]);
  let out = `${table(["SERVER", "PINS", "CHANGED", "LAST WRITE", "COMMAND"], rows)}\n`;
  if (changed.length > 0) out += `\nchanged tools, held back until approved (with pin: enforce):\n${formatChangedList(changed, flags)}`;
  return out;
}

export function formatChangedList(changed: ChangedTool[], flags: string[]): string {
  return changed
    .map((c) => {
      const what = c.why === "case" ? `new; differs only by case from ${visibleText(JSON.stringify(c.like ?? ""))}` : "definition changed";
      const command = ["policy-wrap", "pins", "diff", ...flags.map(shellWord), shellWord(c.server), shellWord(c.tool)].join(" ");
      return `  ${visibleText(JSON.stringify(c.tool))} of ${visibleText(c.server)}: ${what} (seen ${time(c.seenAt)})\n    review: ${visibleText(command)}\n`;
    })
    .join("");
}

export function formatPins(server: string, pins: PinRow[], changed: ChangedTool[]): string {
  const changes = new Map(changed.map((c) => [c.tool, c]));
  const rows = pins.map((p) => [
    visibleText(p.tool),
    changes.has(p.tool) ? "changed" : "pinned",
    p.hash.slice(0, 12),
    `${p.how} ${time(p.pinnedAt)}`,
  ]);
  for (const c of changed)
    if (!pins.some((p) => p.tool === c.tool)) rows.push([visibleText(c.tool), "new (case)", "-", `seen ${time(c.seenAt)}`]);
  rows.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
  return `pins of ${visibleText(server)}:\n${table(["TOOL", "STATE", "SHA256", "SINCE"], rows)}\n`;
}

export function formatDiff(c: ChangedTool, approveCommand: string): string {
  const lines: string[] = [];
  const tool = visibleText(JSON.stringify(c.tool));
  if (c.why === "case")
    lines.push(
      `tool ${tool} of ${visibleText(c.server)} is new, and its name differs only by case from the approved tool ${visibleText(JSON.stringify(c.like ?? ""))}; compared with that tool's definition:`,
    );
  else lines.push(`tool ${tool} of ${visibleText(c.server)}: its definition changed since it was approved`);
  if (c.pinned) lines.push(`  approved  sha256:${c.pinned.hash}  (${time(c.pinned.pinnedAt)})`);
  lines.push(`  seen      sha256:${c.hash}  (${time(c.seenAt)})`, "");
  for (const field of c.diff) lines.push(...formatField(field), "");
  if (c.diff.length === 0) lines.push("  (no difference in the pinned fields)", "");
  lines.push(`approve this definition with: ${visibleText(approveCommand)}`);
  return `${lines.join("\n")}\n`;
}

function formatField(field: FieldDiff): string[] {
  const { lines, words } = fieldLines(field);
  const out = [`${field.field}:`, ...lines.map((line) => `  ${line.mark} ${line.text}`)];
  if (words !== undefined) out.push(`  word by word: ${words}`);
  return out;
}
