import { runBinary, type BinaryRun } from "../helpers/run-binary.js";
import type { WrapperClient } from "../helpers/wrapper-client.js";

// The approval commands as a person runs them, and the id a wrapper prints
// when it holds a call.

export type CliRun = BinaryRun;

/** Runs `policy-wrap <args>` to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runBinary(args, { env });
}

const NEEDED = /approval needed: policy-wrap approve ([0-9a-z]{10})/g;

/** The id of the wrapper's n-th held call (0-based), once stderr has announced it. */
export async function heldId(wrapper: WrapperClient, index = 0): Promise<string> {
  await wrapper.waitForStderr(NEEDED, index + 1);
  const ids = [...wrapper.stderr.matchAll(NEEDED)].map((m) => m[1] as string);
  return ids[index] as string;
}
