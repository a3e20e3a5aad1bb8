import { InvalidArgumentError, Option } from "commander";
import { InspectError } from "../inspect/inspect-error.js";
import { DEFAULT_TIMEOUT_MS, inspectServer, type ServerCatalogue } from "../inspect/inspect-server.js";
import { escapeControl, quote } from "../log.js";

// What init, explain and validate --against share: start the user's server,
// list its tools, and on failure say why on stderr with one exit code.

/** Exit code when the server could not be started, answered nothing useful, or timed out. */
export const EXIT_SERVER_FAILED = 3;

export function timeoutOption(): Option {
  return new Option("--timeout <seconds>", "how long to wait for each answer from the server")
    .argParser((value) => {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError("must be a positive number of seconds");
      return seconds;
    })
    .default(DEFAULT_TIMEOUT_MS / 1000);
}

export async function listLiveTools(
  who: string,
  command: string[],
  timeoutSeconds: number,
  targets = false,
): Promise<ServerCatalogue | number> {
  try {
    return await inspectServer(command, { timeoutMs: Math.round(timeoutSeconds * 1000), targets });
  } catch (error) {
    if (!(error instanceof InspectError)) throw error;
    process.stderr.write(`policy-wrap ${who}: could not list the tools of ${quote(command.join(" "))}: ${escapeControl(error.message)}\n`);
    return EXIT_SERVER_FAILED;
  }
}
