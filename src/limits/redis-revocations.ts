import { LinkError, type RedisLink } from "./redis-connection.js";
import { revokedKeyBeside } from "./redis-keys.js";
import { REVOKE } from "./redis-scripts.js";

// Charges to give back, kept until Redis confirms. A refund of a call that never
// ran, and the charge of a check that timed out or lost its connection (the
// caller refused the call, but the script may still have run or be about to),
// both end here. A revocation removes only its own charge id from the sorted
// sets and leaves a tombstone, so whichever of admission and revocation reaches
// the server first, the charge ends up absent. One that fails for the
// connection is sent again when the connection is back.

/** How long a revoked charge is remembered: longer than any script can linger in a socket buffer or TCP retransmission. */
export const REMEMBER_REVOKED_MS = 60 * 60 * 1000;
const RETRY_MS = 1000;

interface Pending {
  calls: string[];
  since: number;
  sending: boolean;
}

export class Revocations {
  readonly #link: RedisLink;
  readonly #pending = new Map<string, Pending>();
  readonly #emptied = new Set<() => void>();
  #retry: NodeJS.Timeout | undefined;

  constructor(link: RedisLink) {
    this.#link = link;
    link.onReady(() => this.#pump());
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Gives back `charge` on these calls sets; resolves once Redis confirmed, rejects (and keeps trying) if it could not yet. */
  revoke(calls: string[], charge: string): Promise<void> {
    const entry = this.#pending.get(charge) ?? { calls, since: Date.now(), sending: false };
    this.#pending.set(charge, entry);
    return this.#send(charge, entry);
  }

  #pump(): void {
    for (const [charge, entry] of this.#pending) if (!entry.sending) this.#send(charge, entry).catch(() => {});
  }

  async #send(charge: string, entry: Pending): Promise<void> {
    if (entry.sending) return;
    entry.sending = true;
    try {
      const first = entry.calls[0] as string;
      const reply = await this.#link.run(REVOKE, [...entry.calls, revokedKeyBeside(first)], [charge, String(REMEMBER_REVOKED_MS)]);
      if (Array.isArray(reply) && reply[0] === "wrongtype") {
        throw new LinkError({ kind: "reply", text: `cannot give a charge back: a key holds a ${String(reply[2])}` }, false);
      }
      this.#done(charge);
    } catch (error) {
      entry.sending = false;
      if (Date.now() - entry.since > REMEMBER_REVOKED_MS) this.#done(charge);
      else this.#retry ??= setTimeout(() => ((this.#retry = undefined), this.#pump()), RETRY_MS).unref();
      throw error;
    }
  }

  #done(charge: string): void {
    this.#pending.delete(charge);
    if (this.#pending.size === 0) for (const wake of [...this.#emptied]) wake();
  }

  /** Resolves when nothing is left to give back, or at the deadline. */
  drained(deadline: number): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#emptied.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      this.#emptied.add(done);
    });
  }

  close(): void {
    clearTimeout(this.#retry);
  }
}
