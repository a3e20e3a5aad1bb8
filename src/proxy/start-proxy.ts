import { basename } from "node:path";
import type { Readable, Writable } from "node:stream";
import type { Approvals } from "../approvals/approvals.js";
import type { DecisionEvent, EventListener, WrapperEvent } from "../events/events.js";
import type { Limiter } from "../limits/limiter.js";
import type { Logger } from "../log.js";
import { listLimits } from "../policy/compile-limits.js";
import { visibleSetChanged } from "../policy/describe-change.js";
import { formatProblems } from "../policy/load-policy.js";
import type { CompiledPolicy, Mode } from "../policy/types.js";
import type { PolicyWatcher } from "../policy/watch-policy.js";
import { PinChecker } from "../pins/pin-checker.js";
import type { PinStore } from "../pins/pin-store.js";
import { describeExit, spawnUpstream, type Upstream } from "../upstream/spawn-upstream.js";
import { GRACE_MS, killAfterGrace, reapTree, stopUpstream } from "../upstream/stop-upstream.js";
import { ClientLog } from "./client-log.js";
import { wrapperExitCode } from "./exit-code.js";
import { Gate } from "./gate.js";
import { Relay } from "./relay.js";
import { listChangedNotifications } from "./target-lists.js";

// The wrapper's lifecycle: spawn the upstream, relay until one side ends,
// answer whatever is still pending, shut the upstream down in order, and
// settle on an exit code.

export interface ProxyOptions {
  command: string;
  args: string[];
  /** The upstream, spawned from command and args as soon as the policy was known good. */
  upstream: Upstream;
  policy: CompiledPolicy;
  limiter: Limiter;
  log: Logger;
  /** Where the gate, the limiter and the watcher say what happened. */
  emit: (event: WrapperEvent) => void;
  /** The same events, for the wrapper's own subscribers (the client's log). */
  subscribe: (listener: EventListener) => () => void;
  maxMessageBytes: number;
  approvalTimeoutMs: number;
  /** Held calls and the channels that decide them. */
  approvals: Approvals;
  /** false: never ask in the client (--no-elicitation). */
  elicitation?: boolean;
  /** Hot reload: the policy file and the text the policy was loaded from. */
  watch: { file: string; loadedText: string } | undefined;
  /** --mode, when given. */
  mode?: Mode;
  /** With --audit-required: writes a decision's record before its call is forwarded. */
  recordFirst?: (decision: DecisionEvent) => Promise<string | undefined>;
  /** Tool pins: how to reach their records, the options that name them to `policy-wrap pins`, and --server-id. */
  pins: { openStore: () => PinStore; flags: string[]; serverId?: string };
  /** Where the client and the upstream are (default: this process's stdio and a child process). */
  io?: ProxyIo;
  /** When work the first answer does not need may start (see upstream/started-up); at once when absent. */
  startedUp?: Promise<void>;
}

/**
 * The wrapper's surroundings. The binary talks to its client on stdin and
 * stdout and starts the upstream as a child (run.ts spawns it); the in-process
 * test harness passes streams and an upstream of its own, through the same wiring.
 */
export interface ProxyIo {
  clientInput: Readable;
  clientOutput: Writable;
  spawnUpstream(command: string, args: string[]): Upstream;
  /** The wrapper is the process: it forwards signals, stops the upstream when it fails, and leaves no tree behind at exit. */
  ownsProcess: boolean;
}

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** EX_SOFTWARE: policy-wrap itself failed. */
const FAILED_EXIT_CODE = 70;
const LIST_CHANGED = "notifications/tools/list_changed";

export async function startProxy(options: ProxyOptions): Promise<number> {
  const { log } = options;
  const io = options.io ?? { clientInput: process.stdin, clientOutput: process.stdout, spawnUpstream, ownsProcess: true };
  const upstream = options.upstream;
  const pins = new PinChecker({
    command: [options.command, ...options.args],
    serverId: options.pins.serverId,
    openStore: options.pins.openStore,
    emit: options.emit,
    onReleased: () => relay.notifyClient(LIST_CHANGED),
    recordsFlags: options.pins.flags,
  });
  const gate = new Gate({
    policy: options.policy,
    limiter: options.limiter,
    pins,
    emit: options.emit,
    serverName: describeCommand(options.command, options.args),
    approvalTimeoutMs: options.approvalTimeoutMs,
    mode: options.mode,
    recordFirst: options.recordFirst,
    approvals: options.approvals,
    elicitation: options.elicitation,
  });
  let stopping: Promise<void> | undefined;
  let signalled: Promise<void> | undefined;
  let failed: Promise<number> | undefined;
  let receivedSignal: NodeJS.Signals | undefined;

  const shutDown = (why: string): void => {
    if (stopping) return;
    log.debug(`${why}; stopping the upstream`);
    stopping = stopUpstream(upstream);
  };

  // Told to the user inside the client as well as on stderr (a rejected reload, a call held out of band).
  const clientLog = new ClientLog((method, params) => relay.notifyClient(method, params));
  const unsubscribeClientLog = options.subscribe(clientLog.onEvent);
  const relay = new Relay(
    {
      clientInput: io.clientInput,
      clientOutput: io.clientOutput,
      upstreamInput: upstream.child.stdin,
      upstreamOutput: upstream.child.stdout,
    },
    {
      maxMessageBytes: options.maxMessageBytes,
      log,
      interceptors: clientLog.wrapInterceptors(gate.interceptors()),
      onClientClosed: () => shutDown("the client closed stdin"),
      onUpstreamNotification: (method) => {
        if (method === LIST_CHANGED) pins.markStale();
      },
    },
  );
  io.clientOutput.on("error", () => shutDown("the client stopped reading"));
  const onSignal = (signal: NodeJS.Signals): void => {
    receivedSignal ??= signal;
    upstream.signal(signal);
    signalled ??= killAfterGrace(upstream);
  };
  if (io.ownsProcess) for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  // If policy-wrap itself fails, the upstream's tree still goes down in order, and what waits is answered.
  const onFatal = (error: unknown): void => {
    log.error(`policy-wrap failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}; stopping the upstream`);
    try {
      relay.upstreamGone("policy-wrap failed with an internal error");
    } catch {
      // Answering is best effort here; stopping the upstream is not.
    }
    failed ??= reapTree(upstream).then(() => FAILED_EXIT_CODE);
    // Should the failure have broken the orderly path below, leave anyway once the tree is down.
    void failed.then(() => setTimeout(() => process.exit(FAILED_EXIT_CODE), GRACE_MS).unref());
  };
  // Last resort for any path that exits without the steps below.
  const onExit = (): void => {
    if (upstream.treeRuns()) upstream.signal("SIGKILL");
  };
  if (io.ownsProcess) {
    process.once("uncaughtException", onFatal);
    process.once("unhandledRejection", onFatal);
    process.once("exit", onExit);
  }
  relay.start();
  // Work that the first answer does not need waits until the upstream has started up.
  // The store is probed with a real write then (not at the first limited call), so
  // a broken one is reported at start-up.
  const startedUp = options.startedUp ?? Promise.resolve();
  void startedUp.then(() => {
    if (listLimits(gate.policy).length > 0) void options.limiter.open();
  });
  const watch = options.watch;
  const watching = watch
    ? startedUp
        .then(() => watchPolicy(watch, options, gate, relay))
        .catch((error: unknown) => {
          log.error(`cannot watch ${watch.file}: ${String(error)}; hot reload is off`);
          return undefined;
        })
    : undefined;

  const exit = await upstream.exited;
  // A launcher's children may outlive it: whichever shutdown is under way, or a new one, ends the whole tree.
  await (failed ?? stopping ?? signalled ?? reapTree(upstream));
  await drained(upstream.child.stdout);
  const description = describeExit(exit);
  if (exit.error || !stopping) log.error(`the upstream server ${description}`);
  else log.debug(`the upstream server ${description}`);
  relay.upstreamGone(`the server ${description}`);
  // Calls still held for approval were answered just now: their records close as cancelled.
  options.approvals.close();
  unsubscribeClientLog();
  for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
  process.off("uncaughtException", onFatal);
  process.off("unhandledRejection", onFatal);
  process.off("exit", onExit);
  io.clientInput.destroy();
  await (await watching)?.close();
  pins.close();
  await options.limiter.close();

  return failed ?? wrapperExitCode(exit, { clientLeft: stopping !== undefined, signal: receivedSignal });
}

async function watchPolicy(
  watch: { file: string; loadedText: string },
  options: ProxyOptions,
  gate: Gate,
  relay: Relay,
): Promise<PolicyWatcher> {
  const { file, loadedText } = watch;
  const { log, limiter, emit } = options;
  // chokidar is loaded after the upstream has been started.
  const { PolicyWatcher } = await import("../policy/watch-policy.js");
  const watcher = new PolicyWatcher(
    file,
    loadedText,
    {
      reloaded: (policy) => {
        const before = gate.policy;
        const change = gate.replacePolicy(policy);
        if (listLimits(policy).length > 0) void limiter.open();
        emit({ type: "reload", at: Date.now(), accepted: true, file, policy: policy.fingerprint, mode: gate.mode, change });
        if (visibleSetChanged(change) || gate.pinsAffectVisibility(before, policy)) relay.notifyClient(LIST_CHANGED);
        for (const method of listChangedNotifications(change)) relay.notifyClient(method);
      },
      rejected: (problems) =>
        emit({ type: "reload", at: Date.now(), accepted: false, file, problems: formatProblems(file, problems).split("\n") }),
    },
    log,
  );
  watcher.start().catch((error: unknown) => log.error(`cannot watch ${file}: ${String(error)}; hot reload is off`));
  return watcher;
}

/** `uvx awslabs.cloudtrail-mcp-server@latest`, with directories dropped and the length bounded. */
function describeCommand(command: string, args: string[]): string {
  const words = [command, ...args].map((word) => (word.includes("/") || word.includes("\\") ? basename(word) : word)).join(" ");
  return words.length > 80 ? `${words.slice(0, 77)}...` : words;
}

/** Waits until the upstream's last bytes are read, so no finished answer is lost. */
function drained(stream: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    stream.once("end", () => {
      clearTimeout(timer);
      resolve();
    });
    stream.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
