import { Command, Option } from "commander";
import { describeChangedTool, listChangedTools } from "../pins/changed-tools.js";
import { shellWord } from "../pins/pin-reasons.js";
import { PinStore } from "../pins/pin-store.js";
import { openExistingRecordsFile } from "../records/records-file.js";
import { locateRecords, type RecordsLocation } from "../records/records-location.js";
import { visibleText } from "../pins/visible-text.js";
import { suggestName } from "../text/did-you-mean.js";
import { formatDiff, formatPins, formatServers } from "./pins-format.js";
import { parseCommand } from "./parse-command.js";
import { defaultStatePath } from "./state-path.js";

// `policy-wrap pins`: the tool definitions approved per server, the changes
// held back, and what a person does about them:
//   pins [--server <id>] [--json]       list servers (or one server's pins) and changed tools
//   pins diff <server> <tool> [--json]  what changed
//   pins approve <server> <tool>... | --all [--hash <sha256>]
//   pins reset <server>
// A running wrapper notices an approval or reset within a second and tells
// its client to list the tools again.

const NO_RECORDS = "no pins yet: policy-wrap pins a server's tools the first time it lists them through the wrapper";

class UsageError extends Error {}

interface Common {
  state?: string;
  records?: string;
  json?: boolean;
}

/** The wrappers' --state (its SQLite file holds their records; with a Redis URL, the per-user file) or --records. */
function recordsOptions(command: Command): Command {
  return command
    .addOption(new Option("--state <path|url>", "the wrappers' --state (a SQLite file holds their pins)").env("POLICY_WRAP_STATE"))
    .addOption(new Option("--records <file>", "the wrappers' --records file").env("POLICY_WRAP_RECORDS"));
}

export async function pinsCommand(argv: string[]): Promise<number> {
  const [word, ...rest] = argv;
  switch (word) {
    case "diff":
      return diffCommand(rest);
    case "approve":
      return approveCommand(rest);
    case "reset":
      return resetCommand(rest);
    default:
      return listCommand(argv);
  }
}

/** Opens the records for a command and runs it; with no records file yet, says so and creates nothing. */
async function withStore(options: Common, work: (store: PinStore, where: RecordsLocation) => number): Promise<number> {
  try {
    const where = locateRecords(options, defaultStatePath);
    // Looking must not create the file the wrapper makes on its first run.
    const records = openExistingRecordsFile(where.file);
    if (!records) {
      process.stdout.write(options.json ? "[]\n" : `${NO_RECORDS} (${where.file} does not exist)\n`);
      return 0;
    }
    try {
      return work(new PinStore(records.db, where.file), where);
    } finally {
      records.close();
    }
  } catch (error) {
    process.stderr.write(`policy-wrap pins: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** The server key a person typed: the key itself, or a server name that only one key carries. */
function resolveServer(store: PinStore, typed: string): string {
  const servers = store.servers();
  if (servers.some((s) => s.server === typed)) return typed;
  const named = servers.filter((s) => s.name === typed);
  if (named.length === 1) return (named[0] as (typeof named)[number]).server;
  if (named.length > 1)
    throw new UsageError(
      `several servers call themselves ${visibleText(JSON.stringify(typed))}; name one by its key: ${named.map((s) => visibleText(s.server)).join(", ")}`,
    );
  const near = suggestName(
    typed,
    servers.map((s) => s.server),
  );
  const known = servers.length === 0 ? "none yet" : servers.map((s) => visibleText(s.server)).join(", ");
  throw new UsageError(
    `no pins for a server ${visibleText(JSON.stringify(typed))}${near ? `; did you mean ${visibleText(near)}?` : ""} (servers: ${known})`,
  );
}

function listCommand(argv: string[]): Promise<number> | number {
  const command = recordsOptions(
    new Command("policy-wrap pins")
      .description("List pinned tool definitions and the changes held back.")
      .option("--server <id>", "one server's pins")
      .option("--json", "print JSON for scripts"),
  );
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<Common & { server?: string }>();
  return withStore(options, (store, where) => {
    if (options.server !== undefined) {
      const server = resolveServer(store, options.server);
      const changed = listChangedTools(store, server);
      const pins = store.pins(server);
      process.stdout.write(options.json ? `${JSON.stringify({ server, pins, changed }, null, 2)}\n` : formatPins(server, pins, changed));
      return 0;
    }
    const servers = store.servers();
    const changed = listChangedTools(store);
    if (options.json) process.stdout.write(`${JSON.stringify({ servers, changed }, null, 2)}\n`);
    else if (servers.length === 0) process.stdout.write(`${NO_RECORDS} (${where.file} has none)\n`);
    else process.stdout.write(formatServers(servers, changed, where.flags));
    return 0;
  });
}

function diffCommand(argv: string[]): Promise<number> | number {
  const command = recordsOptions(
    new Command("policy-wrap pins diff")
      .description("Show how a tool's definition differs from the approved one.")
      .argument("<server>", "the server's key (as policy-wrap pins lists it)")
      .argument("<tool>", "the tool's name")
      .option("--json", "print JSON for scripts"),
  );
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<Common>();
  const [typedServer, tool] = command.args as [string, string];
  return withStore(options, (store, where) => {
    const server = resolveServer(store, typedServer);
    const changed = describeChangedTool(store, server, tool);
    if (!changed) throw new UsageError(noChangeMessage(store, server, tool));
    const approve = ["policy-wrap", "pins", "approve", ...where.flags, server, tool, "--hash", changed.hash].map(shellWord).join(" ");
    process.stdout.write(options.json ? `${JSON.stringify(changed, null, 2)}\n` : formatDiff(changed, approve));
    return 0;
  });
}

function approveCommand(argv: string[]): Promise<number> | number {
  const command = recordsOptions(
    new Command("policy-wrap pins approve")
      .description("Accept the changed definition of tools: it becomes their pin, and running wrappers let them through.")
      .argument("<server>", "the server's key (as policy-wrap pins lists it)")
      .argument("[tools...]", "the tools whose change to accept")
      .option("--all", "every changed tool of the server")
      .option("--hash <sha256>", "accept only this definition (the one pins diff showed), or a prefix of its hash")
      .option("--json", "print JSON for scripts"),
  );
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<Common & { all?: boolean; hash?: string }>();
  const [typedServer, ...tools] = command.args as [string, ...string[]];
  return withStore(options, (store) => {
    if ((tools.length === 0) === !options.all) throw new UsageError("name the tools to approve, or give --all (not both)");
    if (options.hash !== undefined && !/^[0-9a-f]{8,64}$/.test(options.hash))
      throw new UsageError("--hash takes the sha256 pins diff printed (at least its first 8 hex digits)");
    const server = resolveServer(store, typedServer);
    const known = new Set(store.changes(server).map((c) => c.tool));
    const missing = tools.filter((tool) => !known.has(tool));
    if (missing.length > 0) throw new UsageError(noChangeMessage(store, server, missing[0] as string));
    const result = store.approve(server, options.all ? "all" : tools, Date.now(), options.hash);
    if (result.mismatched.length > 0) {
      const which = result.mismatched.map((m) => `${visibleText(JSON.stringify(m.tool))} is sha256:${m.hash}`).join(", ");
      process.stderr.write(
        `policy-wrap pins: nothing approved: the recorded definition is not the one given with --hash (${which}); it changed again since it was shown: review it again with pins diff\n`,
      );
      return 1;
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ server, approved: result.approved }, null, 2)}\n`);
    else if (result.approved.length === 0) process.stdout.write(`${visibleText(server)} has no changed tools to approve\n`);
    else
      for (const { tool, hash } of result.approved)
        process.stdout.write(`approved ${visibleText(JSON.stringify(tool))} of ${visibleText(server)} (sha256:${hash})\n`);
    return 0;
  });
}

function resetCommand(argv: string[]): Promise<number> | number {
  const command = recordsOptions(
    new Command("policy-wrap pins reset")
      .description("Forget a server's pins: its next list through the wrapper pins its tools again as they are then.")
      .argument("<server>", "the server's key (as policy-wrap pins lists it)")
      .option("--json", "print JSON for scripts"),
  );
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<Common>();
  const [typedServer] = command.args as [string];
  return withStore(options, (store) => {
    const server = resolveServer(store, typedServer);
    const count = store.reset(server, Date.now());
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ server, forgotten: count })}\n`
        : `forgot ${count} pin${count === 1 ? "" : "s"} of ${visibleText(server)}; its next list through the wrapper pins its tools again\n`,
    );
    return 0;
  });
}

/** Why there is nothing to show or approve for this tool, and where its change is if it is another server's. */
function noChangeMessage(store: PinStore, server: string, tool: string): string {
  const elsewhere = store
    .servers()
    .filter((s) => s.server !== server && store.changes(s.server).some((c) => c.tool === tool))
    .map((s) => visibleText(s.server));
  const pinned = store.pins(server).some((p) => p.tool === tool);
  const state = pinned ? "its definition is the approved one" : "the server has no such tool pinned";
  return (
    `${visibleText(server)} has no change recorded for tool ${visibleText(JSON.stringify(tool))} (${state})` +
    (elsewhere.length > 0 ? `; a change to a tool of that name is recorded for: ${elsewhere.join(", ")}` : "")
  );
}
