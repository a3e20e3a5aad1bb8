import { execFile } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";

// A world for pin tests: a folder with a state file, a policy, and the
// definitions files of pin-server.mjs upstreams, which the tests rewrite
// between runs and mid-session. The wrappers run in process, their
// pin-server.mjs upstreams as processes.

export const PIN_SERVER = join(ROOT, "test", "fixtures", "pin-server.mjs");
export const LIST_CHANGED = "notifications/tools/list_changed";

export interface PinWorld {
  dir: string;
  state: string;
  /** Replaces a definitions file whole (by rename, so the server never reads half of it). */
  writeTools(tools: unknown[] | string, file?: string): string;
  start(options?: {
    policy?: Json;
    policyFile?: string;
    file?: string;
    name?: string;
    storm?: boolean;
    extraArgs?: string[];
  }): WrapperClient;
  pins(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

let worlds = 0;

export function pinWorld(): PinWorld {
  const dir = tempDir();
  const state = join(dir, "state.db");
  const launch = inProcessStarter();
  const defaultFile = join(dir, "tools.json");
  let n = 0;
  worlds++;
  return {
    dir,
    state,
    writeTools(tools, file = defaultFile) {
      const temp = `${file}.${worlds}.${n++}.tmp`;
      writeFileSync(temp, typeof tools === "string" ? tools : JSON.stringify(tools));
      renameSync(temp, file);
      return file;
    },
    start(options = {}) {
      const policy = options.policyFile ?? writePolicy(dir, options.policy ?? { version: "1", default: "allow" }, `policy-${n++}.json`);
      const upstream = [process.execPath, PIN_SERVER, options.file ?? defaultFile];
      if (options.storm) upstream.push("--storm");
      const env = options.name === undefined ? {} : { PIN_SERVER_NAME: options.name };
      return launch({ policy, upstream, env, extraArgs: ["--state", state, "--log-level", "debug", ...(options.extraArgs ?? [])] });
    },
    pins(...args) {
      return new Promise((resolve) => {
        execFile(process.execPath, [BIN, "pins", ...args, "--state", state], { encoding: "utf8" }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    },
  };
}

export const tool = (name: string, description = `Does ${name}.`, extra: Json = {}): Json => ({
  name,
  description,
  inputSchema: { type: "object", properties: { q: { type: "string" } } },
  ...extra,
});

export const names = (answer: Json): string[] => (answer.result.tools as Json[]).map((t) => t.name as string);
export const decision = (answer: Json): Json | undefined => answer.result?._meta?.["policy-wrap/decision"];

/** The next message passing the test that arrives after the ones already received. */
export function nextMessage(wrapper: WrapperClient, test: (m: Json) => boolean, what: string): Promise<Json> {
  let skip = wrapper.messages.filter(test).length;
  return wrapper.waitFor((m) => test(m) && skip-- <= 0, what);
}

/** A session up to its first list. */
export async function listed(wrapper: WrapperClient): Promise<Json> {
  await wrapper.initialize();
  return wrapper.request("tools/list");
}
