import { randomBytes } from "node:crypto";
import { existsSync, linkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { Command, Option } from "commander";
import { buildStarterPolicy } from "../classify/starter-policy.js";
import { serverLabel } from "../inspect/inspect-server.js";
import { escapeControl } from "../log.js";
import { packageRoot } from "../package-root.js";
import { formatProblems } from "../policy/load-policy.js";
import { parsePolicy } from "../policy/parse-policy.js";
import { formatInitSummary } from "./init-summary.js";
import { listLiveTools, timeoutOption } from "./live-tools.js";
import { parseCommand } from "./parse-command.js";

// `policy-wrap init [--out policy.json] [--force] [--] <server command...>`:
// a starter policy classified from the live server's tools, checked by the
// same loader the wrapper uses before a byte is written.

interface InitOptions {
  out: string;
  force?: boolean;
  timeout: number;
}

const SCHEMA_ID = "https://github.com/policy-wrap/policy-wrap/schema/policy.schema.json";

function initCommandDefinition(): Command {
  return new Command("policy-wrap init")
    .usage("[--out policy.json] [--force] [--] <server command...>")
    .description("Write a starter policy from a live server's tools, classified by risk.")
    .addOption(new Option("--out <file>", 'where to write the policy ("-" for stdout)').default("policy.json"))
    .option("--force", "overwrite an existing file")
    .addOption(timeoutOption())
    .argument("<command...>", "the MCP server to inspect, with its arguments")
    .passThroughOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
}

/** Beside the file, the path an editor follows to the schema this policy-wrap ships; on stdout, the schema's id. */
function schemaRefFor(out: string | undefined): string {
  if (out === undefined) return SCHEMA_ID;
  const path = relative(dirname(out), join(packageRoot(), "schema", "policy.schema.json"))
    .split("\\")
    .join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

/** Whole or not at all: written beside the target, then linked (never replacing) or renamed (--force) into place. */
function writeAtomically(file: string, text: string, force: boolean): void {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  writeFileSync(temporary, text, { flag: "wx" });
  try {
    if (force) renameSync(temporary, file);
    else linkSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}

export async function initCommand(argv: string[]): Promise<number> {
  const command = initCommandDefinition();
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<InitOptions>();
  const toStdout = options.out === "-";
  const out = toStdout ? undefined : resolve(options.out);
  const report = (text: string) => (toStdout ? process.stderr : process.stdout).write(text);
  if (out !== undefined && !options.force && existsSync(out)) {
    process.stderr.write(`policy-wrap init: ${options.out} already exists; pass --force to overwrite it (nothing was started)\n`);
    return 1;
  }

  const catalogue = await listLiveTools("init", command.args, options.timeout);
  if (typeof catalogue === "number") return catalogue;
  const label = escapeControl(serverLabel(catalogue));
  const starter = buildStarterPolicy(catalogue.tools, { schemaRef: schemaRefFor(out), serverLabel: serverLabel(catalogue) });
  const text = `${JSON.stringify(starter.document, null, 2)}\n`;
  // The wrapper's own loader has the last word: nothing is written that it would refuse.
  const check = parsePolicy(text);
  if (!check.ok) {
    process.stderr.write(
      `policy-wrap init: the starter policy does not validate (a bug; please report it):\n${formatProblems("policy", check.problems)}\n`,
    );
    return 1;
  }

  if (out === undefined) {
    process.stdout.write(text);
  } else {
    try {
      writeAtomically(out, text, options.force === true);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === "EEXIST" ? "it appeared while the server was inspected; pass --force to overwrite it" : String(error);
      process.stderr.write(`policy-wrap init: cannot write ${options.out}: ${why}\n`);
      return 1;
    }
  }
  report(formatInitSummary(label, catalogue, starter));
  report(
    out === undefined
      ? "\nWrote the policy to stdout.\n"
      : `\nWrote ${options.out}. Review it, then see what it does to each tool:\n  policy-wrap explain --policy ${options.out} -- <the same server command>\n`,
  );
  return 0;
}
