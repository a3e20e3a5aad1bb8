import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import { watch, type FSWatcher } from "chokidar";
import type { Logger } from "../log.js";
import { loadPolicy } from "./load-policy.js";
import type { LocatedProblem } from "./parse-policy.js";
import type { CompiledPolicy } from "./types.js";

// Watches the policy file and hands over each new, fully compiled policy.
// Watching the file alone misses two common updates: a ConfigMap-style swap of
// a `..data` symlink beside it, and a swap of the parent directory itself (a
// dotfile manager's symlink). So the parent directory is watched, and the
// grandparent without following symlinks; every event only triggers a re-read,
// and only content that differs from the last content seen is parsed.

export interface WatchHandlers {
  reloaded(policy: CompiledPolicy): void;
  rejected(problems: LocatedProblem[]): void;
}

export const DEBOUNCE_MS = 150;

export class PolicyWatcher {
  readonly #file: string;
  readonly #handlers: WatchHandlers;
  readonly #log: Logger;
  #lastSeen: string;
  #watchers: FSWatcher[] = [];
  #watchedDir = "";
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> = Promise.resolve();
  #closed = false;

  /** `loadedText` is the content in force, so an unchanged file triggers nothing. */
  constructor(file: string, loadedText: string, handlers: WatchHandlers, log: Logger) {
    this.#file = file;
    this.#handlers = handlers;
    this.#log = log;
    this.#lastSeen = fingerprint(loadedText);
  }

  async start(): Promise<void> {
    const parent = dirname(this.#file);
    const grandparent = watch(dirname(parent), { ignoreInitial: true, depth: 0, followSymlinks: false });
    grandparent.on("all", (_event, path) => {
      if (basename(path) === basename(parent)) this.#schedule();
    });
    this.#watchers.push(grandparent);
    await Promise.all([ready(grandparent), this.#watchParent()]);
    this.#log.info(`watching ${this.#file} for changes`);
  }

  async #watchParent(): Promise<void> {
    const parent = dirname(this.#file);
    this.#watchedDir = resolveDir(parent);
    const watcher = watch(parent, { ignoreInitial: true, depth: 0 });
    watcher.on("all", () => this.#schedule());
    watcher.on("error", (error) => this.#log.warn(`watching ${parent}: ${String(error)}`));
    this.#watchers.push(watcher);
    await ready(watcher);
  }

  /** Bursts of events (editors write, rename and chmod in one save) become one check. */
  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#checking = this.#checking.then(() => this.#check());
    }, DEBOUNCE_MS);
  }

  async #check(): Promise<void> {
    if (this.#closed) return;
    // The parent directory was swapped under us: watch the new one.
    if (resolveDir(dirname(this.#file)) !== this.#watchedDir) {
      const stale = this.#watchers.pop();
      await stale?.close();
      await this.#watchParent();
    }
    const loaded = await loadPolicy(this.#file);
    const seen = loaded.text !== undefined ? fingerprint(loaded.text) : `unreadable:${loaded.ok ? "" : loaded.problems.map((p) => p.message).join()}`;
    if (seen === this.#lastSeen) return;
    this.#lastSeen = seen;
    if (loaded.ok) this.#handlers.reloaded(loaded.policy);
    else this.#handlers.rejected(loaded.problems);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await Promise.all(this.#watchers.map((w) => w.close()));
  }
}

function fingerprint(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function resolveDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return "";
  }
}

function ready(watcher: FSWatcher): Promise<void> {
  return new Promise((resolve) => watcher.once("ready", () => resolve()));
}
