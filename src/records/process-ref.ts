import { readFileSync } from "node:fs";
import { hostname } from "node:os";

// Which process a record belongs to, precisely enough to tell when it is gone:
// the pid alone is not, since pids are reused (quickly, in a container). On
// Linux the process's start time (field 22 of /proc/<pid>/stat) goes with it;
// elsewhere the pid has to do.

export interface ProcessRef {
  host: string;
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), or null. */
  started: string | null;
}

/** A zombie (state Z) has exited; some PID 1s here never reap them. */
function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields are counted after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", started: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

export function thisProcess(): ProcessRef {
  return { host: hostname(), pid: process.pid, started: procStat(process.pid)?.started ?? null };
}

/** "elsewhere": a record of another machine (a shared file), which only that machine can judge. */
export function processState(ref: ProcessRef): "alive" | "gone" | "elsewhere" {
  if (ref.host !== hostname()) return "elsewhere";
  try {
    process.kill(ref.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return "gone";
  }
  const stat = procStat(ref.pid);
  if (stat === undefined) return ref.started === null ? "alive" : "gone";
  if (stat.state === "Z") return "gone";
  return ref.started === null || stat.started === ref.started ? "alive" : "gone";
}
