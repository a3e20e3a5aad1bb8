import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { AuditTrail } from "../audit/audit-trail.js";
import { EventBus } from "../events/event-bus.js";
import { logEvents } from "../events/log-events.js";
import { Limiter } from "../limits/limiter.js";
import { describeState, storeOpener, type StateTarget } from "../limits/open-store.js";
import { createLogger } from "../log.js";
import type { ParseResult } from "../policy/parse-policy.js";
import { effectiveMode } from "../proxy/policy-in-force.js";
import { startProxy } from "../proxy/start-proxy.js";
import { locateRecords } from "../records/records-location.js";
import type { Upstream } from "../upstream/spawn-upstream.js";
import { upstreamStartedUp } from "../upstream/started-up.js";
import type { RunIo, RunOptions } from "./run.js";
import { defaultAuditPath, defaultStatePath } from "./state-path.js";
import { setUpWrapperRecords } from "./wrapper-records.js";

// The wrapper, once its policy is known good and its upstream spawned (see
// run.ts): the event bus and its subscribers, the counter store, the audit
// trail, this machine's records, and the proxy, until the session ends.

export interface WrapperSetup {
  options: RunOptions;
  /** The upstream's command line. */
  command: string[];
  state: StateTarget;
  policyFile: string;
  /** The policy as loaded, and the text it was loaded from (for the watcher). */
  loaded: Extract<ParseResult, { ok: true }> & { text?: string };
  upstream: Upstream;
  io: RunIo;
}

const MONITOR_NOTICE = "monitor mode: nothing is hidden or refused; calls the policy refuses are forwarded and recorded as would_deny";

export async function runWrapper(setup: WrapperSetup): Promise<number> {
  const { options, state, policyFile, loaded, upstream, io } = setup;
  const [program = "", ...args] = setup.command;
  const log = createLogger(options.logLevel, io.stderr);
  const events = new EventBus((error) => log.error(`an event subscriber failed: ${String(error)}`));
  events.subscribe(logEvents(log));
  const store = storeOpener(state, { timeoutMs: options.stateTimeout });
  const sessionId = randomUUID();
  const grant = options.grant ?? policyFile;
  const limiter = new Limiter({ store, grant, sessionId, emit: events.emit });
  const policy = loaded.policy;
  const mode = effectiveMode(options.mode, policy);
  if (options.mode !== undefined && policy.mode !== undefined && options.mode !== policy.mode)
    log.warn(`--mode ${options.mode} and the policy's "mode": "${policy.mode}" disagree; enforce wins`);
  if (mode === "monitor") log.warn(MONITOR_NOTICE);
  const audit =
    options.audit === false
      ? undefined
      : new AuditTrail({
          file: options.audit ? resolve(options.audit) : defaultAuditPath(),
          createDirectory: !options.audit,
          argumentsMode: options.auditArguments,
          retentionDays: options.auditRetention,
          required: options.auditRequired === true,
          session: sessionId,
          grant,
          command: [program, ...args].join(" "),
          emit: events.emit,
        });
  if (audit) events.subscribe(audit.listener);
  log.debug(`policy ${policyFile} loaded; state ${describeState(state)}`);
  const location = locateRecords(options, defaultStatePath);
  const records = setUpWrapperRecords({
    location,
    session: sessionId,
    command: [program, ...args].join(" "),
    policyFile,
    policy: policy.fingerprint,
    mode,
    state: describeState(state),
    grant,
    approvalTimeoutMs: options.approvalTimeout * 1000,
    events,
    log,
  });
  const startedUp = upstreamStartedUp(upstream);
  const running = startProxy({
    command: program,
    args,
    upstream,
    policy,
    limiter,
    log,
    emit: events.emit,
    subscribe: (listener) => events.subscribe(listener),
    maxMessageBytes: options.maxMessageBytes,
    approvalTimeoutMs: options.approvalTimeout * 1000,
    approvals: records.approvals,
    elicitation: options.elicitation,
    watch: options.watch ? { file: policyFile, loadedText: loaded.text ?? "" } : undefined,
    mode: options.mode,
    recordFirst: options.auditRequired ? audit?.recordFirst : undefined,
    pins: { openStore: records.pins, flags: location.flags, serverId: options.serverId },
    io,
    startedUp,
  });
  // The writer thread and the records' housekeeping start once the upstream has started up.
  const details = {
    pid: process.pid,
    arguments: options.auditArguments,
    retention_days: options.auditRetention,
    required: options.auditRequired === true,
  };
  audit?.start({ policy: policy.fingerprint, mode, details }, startedUp);
  let ended = false;
  void startedUp.then(() => {
    if (!ended) records.start();
  });
  try {
    return await running;
  } finally {
    ended = true;
    records.stop();
    await audit?.close();
  }
}
