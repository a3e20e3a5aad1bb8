import { Approvals } from "../approvals/approvals.js";
import { PendingApprovals } from "../approvals/pending-store.js";
import type { EventBus } from "../events/event-bus.js";
import type { Logger } from "../log.js";
import { PinStore } from "../pins/pin-store.js";
import { LocalRecords } from "../records/local-records.js";
import { thisProcess } from "../records/process-ref.js";
import type { RecordsLocation } from "../records/records-location.js";
import { WrapperStatusPublisher } from "../records/wrapper-status.js";

// The wrapper's part in this machine's records: its held calls (pending
// approvals) and its published status. Both degrade alone: without the
// records file a call that needs approval can still be asked in the client
// (said once, when a call needs it), and the wrapper runs on, unseen by the
// dashboard (said at debug level).

export interface WrapperRecordsOptions {
  location: RecordsLocation;
  session: string;
  command: string;
  policyFile: string;
  policy: string;
  mode: string;
  state: string;
  grant: string;
  approvalTimeoutMs: number;
  events: EventBus;
  log: Logger;
}

export interface WrapperRecords {
  approvals: Approvals;
  /** Tool pins, in the same file and connection; throws a StoreFault when the file cannot be opened. */
  pins(): PinStore;
  /** Housekeeping and the first status, after the upstream was started. */
  start(): void;
  stop(): void;
}

const HOUSEKEEPING_AFTER_MS = 100;

export function setUpWrapperRecords(o: WrapperRecordsOptions): WrapperRecords {
  let stopHousekeeping = (): void => {};
  const records = new LocalRecords(o.location);
  const process = thisProcess();
  // Said once, when a call needs the records (the counter store names a broken shared file on its own).
  let reported = false;
  const reportOnce = (error: unknown): void => {
    if (reported) return;
    reported = true;
    const why = error instanceof Error ? error.message : String(error);
    o.log.warn(`${why}; calls that need approval can only be asked in the client meanwhile`);
  };
  const quietly = (error: unknown): void =>
    o.log.debug(`the dashboard cannot see this wrapper: ${error instanceof Error ? error.message : String(error)}`);
  let pending: PendingApprovals | undefined;
  const openPending = (report: (error: unknown) => void = reportOnce): PendingApprovals => {
    try {
      pending ??= new PendingApprovals(records.open());
      return pending;
    } catch (error) {
      report(error);
      throw error;
    }
  };
  const approvals = new Approvals({
    pending: () => openPending(),
    session: o.session,
    process,
    command: o.command,
    policyFile: o.policyFile,
    commandFlags: o.location.flags,
    timeoutMs: o.approvalTimeoutMs,
    emit: o.events.emit,
    clock: Date.now,
  });
  const startedAt = Date.now();
  const status = new WrapperStatusPublisher(
    () => records.open(),
    { session: o.session, process, startedAt },
    {
      command: o.command,
      server: null,
      serverVersion: null,
      policyFile: o.policyFile,
      policy: o.policy,
      policyLoadedAt: startedAt,
      mode: o.mode,
      rejectedReload: null,
      lastReload: null,
      tools: null,
      approvals: { waiting: [], answers: {} },
      storeFault: null,
      auditFault: null,
      state: o.state,
      grant: o.grant,
      records: o.location.file,
    },
    quietly,
  );
  const unsubscribe = o.events.subscribe(status.listener);
  return {
    approvals,
    pins: () => {
      const file = records.open();
      return new PinStore(file.db, file.file);
    },
    start() {
      // A moment after start-up, off the first messages' path: clients start many servers at once,
      // and each wrapper's first writes to a shared file wait for the others'.
      const housekeeping = setTimeout(() => {
        try {
          // Calls held by wrappers that are gone are closed now: none can be approved any more.
          const store = openPending(quietly);
          store.closeAbandoned(Date.now());
          store.prune(Date.now());
        } catch {
          // Reported once; approvals are asked in the client only.
        }
        status.start();
      }, HOUSEKEEPING_AFTER_MS);
      housekeeping.unref();
      stopHousekeeping = () => clearTimeout(housekeeping);
    },
    stop() {
      stopHousekeeping();
      unsubscribe();
      approvals.close();
      status.stop();
      records.close();
    },
  };
}
