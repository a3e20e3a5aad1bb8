import { join } from "node:path";
import { ROOT } from "../helpers/paths.js";
import type { WrapperClient } from "../helpers/wrapper-client.js";

export const RAW_UPSTREAM = [process.execPath, join(ROOT, "test", "fixtures", "raw-upstream.mjs")];
export const LAUNCHER = [process.execPath, join(ROOT, "test", "fixtures", "launcher.mjs")];

/** Every tools/call the raw upstream received, as tool names. */
export async function toolsCalledUpstream(wrapper: WrapperClient): Promise<string[]> {
  const seen = JSON.parse((await wrapper.callTool("seen")).result.content[0].text) as { method?: string; params?: { name?: string } }[];
  return seen.filter((m) => m.method === "tools/call" && m.params?.name !== "seen").map((m) => m.params?.name as string);
}

/** Peak resident memory of a process, in bytes (Linux). */
export async function peakRss(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}
