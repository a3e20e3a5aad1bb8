import { createHash } from "node:crypto";
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { watch, type FSWatcher } from "chokidar";
import type { Logger } from "../log.js";
import { readPolicyText } from "./load-policy.js";
import { parsePolicy, type LocatedProblem } from "./parse-policy.js";
import type { CompiledPolicy } from "./types.js";

// Watches the policy file and hands over each new, fully compiled policy.
//
// The file's own path catches in-place writes, saves by rename, vim's
// backup-and-write, and delete-then-recreate. Two common updates never touch
// that path's file, so the symlinks on the way to it are watched too, without
// following them: a ConfigMap's `..data` link swapped beside the file, and a
// dotfile manager swapping the parent directory's link. The directory itself
// is not watched: chokidar re-reads and stats a watched directory on every
// event in it, and a state database kept beside the policy writes on every
// rate-limited call. Events only trigger a re-read; only content that differs
// from the last content seen is parsed.

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
  #watcher: FSWatcher | undefined;
  /** Where the watched paths led when they were armed; a change means re-arming. */
  #armedFor = "";
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
    await this.#arm();
    this.#log.info(`watching ${this.#file} for changes`);
    // The wrapper starts watching once its upstream has started up: an edit made since the policy was loaded counts too.
    this.#schedule();
  }

  async #arm(): Promise<void> {
    await this.#watcher?.close();
    // Closed meanwhile (the session ended while the watch was being armed): a watch made now would never be closed.
    if (this.#closed) return;
    const paths = watchedPaths(this.#file);
    this.#armedFor = resolveReal(this.#file);
    const watcher = watch(paths, { ignoreInitial: true, depth: 0, followSymlinks: false });
    watcher.on("all", () => this.#schedule());
    watcher.on("error", (error) => this.#log.warn(`watching ${this.#file}: ${String(error)}`));
    this.#watcher = watcher;
    await new Promise<void>((done) => watcher.once("ready", () => done()));
  }

  /** Bursts of events (editors write, rename and chmod in one save) become one check. */
  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      // A check that fails in a way nobody foresaw must neither crash the wrapper nor stop later checks.
      this.#checking = this.#checking
        .then(() => this.#check())
        .catch((error: unknown) =>
          this.#handlers.rejected([{ line: 0, column: 0, pointer: "", message: `the policy could not be checked: ${String(error)}` }]),
        );
    }, DEBOUNCE_MS);
  }

  async #check(): Promise<void> {
    if (this.#closed) return;
    if (resolveReal(this.#file) !== this.#armedFor) await this.#arm();
    // Compare before parsing: most events (touch, chmod, re-arming) leave the content as it was.
    const read = await readPolicyText(this.#file);
    const seen = "text" in read ? fingerprint(read.text) : `unreadable:${read.problems.map((p) => p.message).join()}`;
    if (seen === this.#lastSeen) return;
    this.#lastSeen = seen;
    if ("problems" in read) {
      this.#handlers.rejected(read.problems);
      // chokidar can lose sight of a path whose file was replaced by something else (a FIFO,
      // a directory): watch it afresh, and look once more for what changed meanwhile.
      await this.#arm();
      this.#schedule();
      return;
    }
    const parsed = parsePolicy(read.text);
    if (parsed.ok) this.#handlers.reloaded(parsed.policy);
    else this.#handlers.rejected(parsed.problems);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#watcher?.close();
  }
}

/** The file, its parent if that is a link, and each link beside the file that its target goes through. */
export function watchedPaths(file: string): string[] {
  const paths = new Set([file]);
  const parent = dirname(file);
  if (isSymlink(parent)) paths.add(parent);
  let current = file;
  for (let hops = 0; hops < 8 && isSymlink(current); hops++) {
    const target = resolve(dirname(current), readlinkSync(current));
    for (let dir = dirname(target); dir.startsWith(`${parent}/`); dir = dirname(dir)) {
      if (isSymlink(dir)) paths.add(dir);
    }
    current = target;
  }
  return [...paths];
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function resolveReal(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return "";
  }
}

function fingerprint(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
