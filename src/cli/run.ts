import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { ArgumentsMode } from "../audit/record.js";
import { DEFAULT_STATE_TIMEOUT_MS, parseState, type StateTarget } from "../limits/open-store.js";
import { LOG_LEVELS, type LogLevel } from "../log.js";
import { formatProblems, loadPolicy } from "../policy/load-policy.js";
import type { Mode } from "../policy/types.js";
import { spawnUpstream } from "../upstream/spawn-upstream.js";
import type { ProxyIo } from "../proxy/start-proxy.js";
import { parseCommand } from "./parse-command.js";
import { defaultStatePath } from "./state-path.js";

// `policy-wrap [run] --policy <file> [options] [--] <command> [args...]`.
// The first word that is not an option starts the upstream command, as with
// env and sudo, so a client that drops a bare `--` still works.
//
// Start-up is in two steps. This one checks the command line and the policy
// (nothing starts unless the policy is good) and spawns the upstream; only
// then is the rest of the wrapper loaded and set up (run-wrapper.ts), while the
// upstream starts: the client's first answer waits on the upstream's start-up,
// not on the wrapper's.

export const DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

function days(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError("must be a number of days (0 keeps every record)");
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** The wrapper's surroundings (see ProxyIo), and where its diagnostics go. */
export interface RunIo extends ProxyIo {
  stderr(text: string): void;
}

function processRunIo(): RunIo {
  return {
    clientInput: process.stdin,
    clientOutput: process.stdout,
    spawnUpstream,
    ownsProcess: true,
    stderr: (text) => process.stderr.write(text),
  };
}

export function runCommandDefinition(stderr: (text: string) => void = (text) => process.stderr.write(text)): Command {
  return new Command("policy-wrap")
    .usage("[run] --policy <file> [options] [--] <command> [args...]")
    .description("Run an MCP server behind a policy.")
    .addOption(new Option("--policy <file>", "policy file (JSON)").env("POLICY_WRAP_POLICY"))
    .addOption(
      new Option("--state <path|url>", "rate-limit counters: a SQLite file, or redis://, rediss://, redis+unix:// for a team").env(
        "POLICY_WRAP_STATE",
      ),
    )
    .addOption(
      new Option("--state-timeout <ms>", "Redis: how long a check may wait before the call is refused")
        .argParser(positiveInteger)
        .default(DEFAULT_STATE_TIMEOUT_MS),
    )
    .addOption(new Option("--grant <name>", "who shares grant-scoped counters (default: the policy file's absolute path)"))
    .addOption(new Option("--server-id <name>", "the name tool pins are kept under (default: the server's own name and this command line)"))
    .addOption(new Option("--log-level <level>", "stderr verbosity").choices(LOG_LEVELS).default("info"))
    .addOption(
      new Option("--mode <mode>", "enforce (default) or monitor: forward what the policy refuses, record would_deny").choices([
        "enforce",
        "monitor",
      ]),
    )
    .addOption(
      new Option("--audit <file>", "SQLite file for the audit trail (default: audit.db in the per-user data directory)").env(
        "POLICY_WRAP_AUDIT",
      ),
    )
    .option("--no-audit", "keep no audit trail")
    .addOption(
      new Option("--audit-arguments <how>", "record call arguments in full (truncated), as a hash, or not")
        .choices(["full", "hash", "none"])
        .default("full"),
    )
    .addOption(new Option("--audit-retention <days>", "prune audit records older than this (0 keeps all)").argParser(days).default(90))
    .option("--audit-required", "refuse governed calls whenever the audit trail cannot record them")
    .addOption(
      new Option("--records <file>", "this machine's records: pending approvals (default: the SQLite --state file)").env(
        "POLICY_WRAP_RECORDS",
      ),
    )
    .option("--no-elicitation", "never ask for approval in the client; only with policy-wrap approve or the dashboard")
    .option("--no-watch", "do not reload the policy when its file changes")
    .addOption(
      new Option("--approval-timeout <seconds>", "how long to wait for a human's approval").argParser(positiveInteger).default(120),
    )
    .addOption(
      new Option("--max-message-bytes <n>", "largest message relayed").argParser(positiveInteger).default(DEFAULT_MAX_MESSAGE_BYTES),
    )
    .argument("<command...>", "the MCP server to run, with its arguments")
    .passThroughOptions()
    .configureOutput({ writeErr: stderr });
}

export interface RunOptions {
  policy?: string;
  state?: string;
  stateTimeout: number;
  grant?: string;
  records?: string;
  elicitation: boolean;
  serverId?: string;
  watch: boolean;
  approvalTimeout: number;
  logLevel: LogLevel;
  maxMessageBytes: number;
  mode?: Mode;
  audit?: string | false;
  auditArguments: ArgumentsMode;
  auditRetention: number;
  auditRequired?: boolean;
}

const AUDIT_REQUIRED_WITHOUT_AUDIT = "policy-wrap: error: --audit-required needs an audit trail; it cannot go with --no-audit\n";

export async function runCommand(argv: string[], io: RunIo = processRunIo()): Promise<number> {
  const command = runCommandDefinition(io.stderr);
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<RunOptions>();
  const [program, ...args] = command.args;
  if (!options.policy) {
    io.stderr("policy-wrap: error: --policy <file> (or POLICY_WRAP_POLICY) is required; nothing was started\n");
    return 2;
  }
  if (!program) {
    io.stderr("policy-wrap: error: no upstream command given\n");
    return 2;
  }
  let state: StateTarget;
  try {
    state = parseState(options.state, defaultStatePath);
  } catch (error) {
    io.stderr(`policy-wrap: error: --state: ${(error as Error).message}; nothing was started\n`);
    return 2;
  }
  const policyFile = resolve(options.policy);
  const loaded = await loadPolicy(policyFile);
  if (!loaded.ok) {
    io.stderr(`policy-wrap: the policy is invalid; the server was not started\n${formatProblems(options.policy, loaded.problems)}\n`);
    return 1;
  }
  if (options.auditRequired && options.audit === false) {
    io.stderr(AUDIT_REQUIRED_WITHOUT_AUDIT);
    return 2;
  }
  const upstream = io.spawnUpstream(program, args);
  let stage: typeof import("./run-wrapper.js");
  try {
    stage = await import("./run-wrapper.js");
  } catch (error) {
    // Nothing would stop the upstream (it leads its own process group) if the wrapper cannot load.
    upstream.signal("SIGKILL");
    throw error;
  }
  return stage.runWrapper({ options, command: [program, ...args], state, policyFile, loaded, upstream, io });
}
