import { foldKey } from "../json/fold-key.js";

// What a request is about: a tool (by name), a resource (by URI) or a prompt
// (by name). One compiler, one matcher and one evaluator serve all three; what
// differs per kind is said here and in match-target.ts.

export const TARGET_KINDS = ["tool", "resource", "prompt"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface Target {
  kind: TargetKind;
  /** A tool's or prompt's name, or a resource's URI, exactly as the request wrote it. */
  name: string;
}

/** How messages name a target's kind: `Tool "x"`, `Resource "file:///x"`, `Prompt "x"`. */
export const KIND_NOUN: Record<TargetKind, string> = { tool: "Tool", resource: "Resource", prompt: "Prompt" };

/** The policy's section of rules, its default and its hide prefix, per kind. */
export const SECTION: Record<TargetKind, { rules: string; default: string; hidePrefix: string }> = {
  tool: { rules: "tools", default: "default", hidePrefix: "" },
  resource: { rules: "resources", default: "default_resources", hidePrefix: "resource:" },
  prompt: { rules: "prompts", default: "default_prompts", hidePrefix: "prompt:" },
};

/** Characters HFS+ ignores in file names (as Git's is_hfs_dotgit lists them): `.a\u200Cws` opens `.aws` there. */
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * A name as a lax lookup sees it: compatibility-normalised (NFKC: fullwidth
 * letters, ligatures, NFD and NFC spellings of one file name on APFS) and
 * case-folded (see json/fold-key), without the invisible characters HFS+
 * ignores. Two names with one fold may reach one thing on a case-insensitive
 * file system or server.
 */
export function foldName(name: string): string {
  return foldKey(name.normalize("NFKC").replace(HFS_IGNORED, ""));
}

/**
 * The counter a `rate_limit` shorthand counts under for one target. Tools keep
 * their bare name (as before resources and prompts existed); prompts count
 * under `prompt:` and the folded name, so that a tool and a prompt never share
 * a budget by accident and spellings that differ only in case share one.
 */
export function ownCounter(kind: TargetKind, name: string): string {
  return kind === "tool" ? name : `${kind}:${foldName(name)}`;
}

/** How records and approval questions name a target: a tool by its name, others as `resource:<uri>`, `prompt:<name>` (the hide prefixes). */
export function targetLabel(target: Target): string {
  return target.kind === "tool" ? target.name : `${SECTION[target.kind].hidePrefix}${target.name}`;
}

/** What the agent wants done, for an approval question: `call "x"`, `read the resource "file:///x"`, `get the prompt "x"`. */
export function targetAction(target: Target, method: string): string {
  const name = JSON.stringify(target.name);
  if (target.kind === "tool") return `call ${name}`;
  if (target.kind === "prompt") return `get the prompt ${name}`;
  return method === "resources/subscribe" ? `subscribe to the resource ${name}` : `read the resource ${name}`;
}
