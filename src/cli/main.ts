import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.js";

// Dispatch on the first word. Anything that is not a command name is the run
// command's: `policy-wrap --policy p.json -- server` needs no `run`.

const HELP = `Usage:
  policy-wrap [run] --policy <file> [options] [--] <command> [args...]
  policy-wrap validate <file> [--against [--] <server command...>]
  policy-wrap init [--out policy.json] [--force] [--timeout <s>] [--] <server command...>
  policy-wrap explain --policy <file> [--json] [--timeout <s>] [--] <server command...>
  policy-wrap counters [--state <path|url>] [--grant <name> | --policy <file>] [--json] [--reset <counter>]
  policy-wrap log [--since 1h|2026-11-20] [--tool <glob>] [--outcome deny] [--session <id>] [--limit n] [--json] [--follow]
  policy-wrap log verify [--audit <file>] [--anchor <hash>]
  policy-wrap approvals [--state <path|url> | --records <file>] [--json] [--recent]
  policy-wrap approve <id> [--note <text>] [--state <path|url> | --records <file>]
  policy-wrap deny <id> [--reason <text>] [--state <path|url> | --records <file>]
  policy-wrap pins [--state <path|url>] [--server <id>] [--json]
  policy-wrap pins diff <server> <tool> | approve <server> <tool>... | --all [--hash <sha256>] | reset <server>
  policy-wrap ui [--port <n>] [--open] [--state <path|url>] [--records <file>] [--audit <file>]
  policy-wrap demo

Run options:
  --policy <file>           policy file (or POLICY_WRAP_POLICY)
  --state <path|url>        rate-limit counters (or POLICY_WRAP_STATE): a SQLite file (default: per-user),
                            or Redis/Valkey shared by a team: redis://[user:password@]host[:port][/db],
                            rediss://... (TLS), redis+unix:///path/to/redis.sock[?db=N]
  --state-timeout <ms>      Redis: longest wait for a check before the call is refused (default 250)
  --grant <name>            who shares grant-scoped counters (default: the policy path)
  --server-id <name>        the name tool pins are kept under (default: the server's own name
                            and a hash of its command line)
  --log-level <level>       error | warn | info | debug (default info); logs go to stderr
  --no-watch                do not reload the policy when its file changes
  --approval-timeout <s>    seconds to wait for a human's approval (default 120)
  --no-elicitation          never ask for approval in the client; only with policy-wrap approve or the dashboard
  --records <file>          this machine's records: pending approvals (default: the SQLite --state file)
  --max-message-bytes <n>   largest message relayed (default 104857600)
  --mode <mode>             enforce (default) | monitor: forward what the policy refuses, record would_deny
  --audit <file>            audit trail (SQLite; default audit.db in the per-user data directory; or POLICY_WRAP_AUDIT)
  --no-audit                keep no audit trail
  --audit-arguments <how>   full (default, truncated at 16 KiB) | hash | none
  --audit-retention <days>  prune audit records older than this (default 90; 0 keeps all)
  --audit-required          refuse governed calls whenever the audit trail cannot record them

Exit codes: 2 usage error, 1 invalid policy (nothing started), 127 the upstream could not start,
128+n a signal, 70 policy-wrap's own failure, else the upstream's own code.
`;

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  switch (first) {
    case "validate":
      return (await import("./validate.js")).validateCommand(rest);
    case "init":
      return (await import("./init.js")).initCommand(rest);
    case "explain":
      return (await import("./explain.js")).explainCommand(rest);
    case "demo":
      return (await import("./demo.js")).demoCommand(rest);
    case "counters":
      return (await import("./counters.js")).countersCommand(rest);
    case "log":
      return (await import("./log.js")).logCommand(rest);
    case "approvals":
      return (await import("./approvals.js")).approvalsCommand(rest);
    case "approve":
      return (await import("./approvals.js")).approveCommand(rest);
    case "deny":
      return (await import("./approvals.js")).denyCommand(rest);
    case "pins":
      return (await import("./pins.js")).pinsCommand(rest);
    case "ui":
      return (await import("./ui.js")).uiCommand(rest);
    case "run":
      return (await import("./run.js")).runCommand(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${HELP}More: README.md and docs/ in ${packageRoot()}\n`);
      return first === undefined ? 2 : 0;
    case "--version":
    case "-V":
      process.stdout.write(`${(JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version}\n`);
      return 0;
    default:
      return (await import("./run.js")).runCommand(argv);
  }
}
