// The data behind `policy-wrap init`: which words make a tool read, execute,
// write or destructive, and what the starter policy does with each class.
// Everything init decides comes from this file.

export const RISK_CLASSES = ["read", "execute", "write", "destructive"] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];
/** A tool whose name holds no known verb and whose hints do not make it destructive. */
export type ToolClass = RiskClass | "unknown";

/** Words, lower case, matched against the words of a tool's name (see split-words). */
export const VERBS: Readonly<Record<RiskClass, readonly string[]>> = {
  // Looks, computes or reports; changes nothing it was given.
  read: [
    "aggregate",
    "analyse",
    "analyze",
    "browse",
    "calculate",
    "check",
    "compare",
    "count",
    "describe",
    "diagnose",
    "diff",
    "echo",
    "estimate",
    "exists",
    "explain",
    "fetch",
    "find",
    "get",
    "inspect",
    "lint",
    "list",
    "lookup",
    "ls",
    "peek",
    "preview",
    "query",
    "read",
    "retrieve",
    "scan",
    "search",
    "select",
    "show",
    "summarise",
    "summarize",
    "tail",
    "validate",
    "verify",
    "view",
  ],
  // Starts work or sends something out: a job, a run, a command, a deploy, a message.
  execute: [
    "abort",
    "build",
    "call",
    "cancel",
    "compile",
    "deploy",
    "exec",
    "execute",
    "export",
    "generate",
    "import",
    "invoke",
    "launch",
    "notify",
    "package",
    "pause",
    "publish",
    "reboot",
    "rerun",
    "restart",
    "resume",
    "retry",
    "run",
    "schedule",
    "send",
    "simulate",
    "start",
    "stop",
    "submit",
    "trigger",
  ],
  // Creates or changes something that stays: a resource, a value, a permission, a setting.
  write: [
    "activate",
    "add",
    "allocate",
    "append",
    "apply",
    "assign",
    "associate",
    "attach",
    "clone",
    "commit",
    "configure",
    "copy",
    "create",
    "deactivate",
    "decr",
    "decrement",
    "disable",
    "disassociate",
    "edit",
    "enable",
    "grant",
    "incr",
    "increment",
    "insert",
    "manage",
    "merge",
    "modify",
    "move",
    "patch",
    "provision",
    "push",
    "put",
    "register",
    "rename",
    "replace",
    "restore",
    "save",
    "set",
    "store",
    "sync",
    "tag",
    "toggle",
    "unset",
    "untag",
    "update",
    "upload",
    "upsert",
    "write",
  ],
  // Removes, destroys or takes away what cannot simply be put back.
  destructive: [
    "admin",
    "clear",
    "del",
    "delete",
    "deprovision",
    "deregister",
    "destroy",
    "discard",
    "drop",
    "empty",
    "erase",
    "evict",
    "flush",
    "flushall",
    "flushdb",
    "kill",
    "pop",
    "prune",
    "purge",
    "remove",
    "reset",
    "revoke",
    "rm",
    "shutdown",
    "teardown",
    "terminate",
    "trim",
    "truncate",
    "undeploy",
    "uninstall",
    "wipe",
  ],
};

/** Words that join two verbs in one name (`get_or_create`): every joined verb counts, the riskiest wins. */
export const JOINING_WORDS: readonly string[] = ["and", "or", "then"];

/**
 * A verb found inside a longer word (`append` in `arrappend`, Redis style) counts
 * only when the verb and the rest of the word are both at least this long, so
 * that `asset` is not read as `set`.
 */
export const MIN_COMPOUND_PART = 3;

/** What the starter policy gives an execute tool: a rate limit counted per tool under the tool's own name. */
export const EXECUTE_RATE_LIMIT = { max: 10, window: "minute", scope: "grant" } as const;

/** Risk order, lowest first. Hints and joined verbs only ever move a tool up this list. */
export function riskRank(riskClass: RiskClass): number {
  return RISK_CLASSES.indexOf(riskClass);
}
