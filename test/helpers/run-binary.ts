import { spawn } from "node:child_process";
import { BIN } from "./paths.js";

export interface BinaryRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `policy-wrap <args>` (the real binary) to its end. Asynchronous, unlike
 * spawnSync: the tests of a file run side by side while each waits on its own
 * process, and this process keeps serving what the test started in it.
 */
export function runBinary(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<BinaryRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
