import { spawn } from "node:child_process";
import { BIN } from "../helpers/paths.js";
import type { WrapperProcess } from "../helpers/wrapper-process.js";

// The approval commands as a person runs them, and the id a wrapper prints
// when it holds a call.

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `policy-wrap <args>` to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const NEEDED = /approval needed: policy-wrap approve ([0-9a-z]{10})/g;

/** The id of the wrapper's n-th held call (0-based), once stderr has announced it. */
export async function heldId(wrapper: WrapperProcess, index = 0): Promise<string> {
  await wrapper.waitForStderr(NEEDED, index + 1);
  const ids = [...wrapper.stderr.matchAll(NEEDED)].map((m) => m[1] as string);
  return ids[index] as string;
}
