import { CommanderError, type Command } from "commander";

/**
 * Parses argv with a command set to exitOverride. Returns the exit code when
 * the command line was a request for help (0) or a usage error (2, reported on
 * stderr by commander); undefined when the command should run.
 */
export function parseCommand(command: Command, argv: string[]): number | undefined {
  try {
    command.exitOverride().parse(argv, { from: "user" });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}
