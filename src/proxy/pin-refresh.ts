import type { PinChecker } from "../pins/pin-checker.js";
import { listAllTools } from "./list-tools.js";
import type { RelayContext } from "./relay-context.js";

// A call is checked against its pin only with the upstream's definitions in
// hand, and the wrapper learns them only from lists it fetched. Before the
// first list, or after the upstream announced tools/list_changed, it lists
// the tools itself before the call is decided: a few tries while changes keep
// coming, each bounded in time. Whatever is still unknown after that is
// refused as unverifiable (the pin checker says why).

/** Lists a call may wait for while the upstream keeps announcing tool changes. */
const ATTEMPTS = 3;
/** How long a call waits for the upstream's tools/list. */
const LIST_TIMEOUT_MS = 30_000;

export async function refreshPins(
  relay: RelayContext,
  pins: PinChecker,
  learn: (tools: Record<string, unknown>[], epoch: number) => void,
): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS && pins.needsList; attempt++) {
    const epoch = pins.epoch;
    try {
      learn((await withTimeout(listAllTools(relay, undefined), LIST_TIMEOUT_MS)).tools, epoch);
    } catch (error) {
      pins.listFailed(`the upstream's tools/list failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
  }
}

/** The promise's value, or an error once `ms` have passed without one. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
