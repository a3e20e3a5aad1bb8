import { randomUUID } from "node:crypto";
import type { ResponseMessage } from "../jsonrpc/message.js";

// Requests the wrapper sends on its own behalf. Their ids carry a random
// per-process prefix that no peer can predict, and the relay checks every
// incoming request id against the ones in flight, so an answer meant for the
// wrapper is never passed on and a peer's answer is never swallowed.

export class OwnRequests {
  readonly #prefix = `policy-wrap:${randomUUID()}:`;
  #next = 0;
  readonly #waiting = new Map<string, { resolve: (r: ResponseMessage) => void; reject: (e: Error) => void }>();

  /** Allocates an id and returns it with the promise of its answer. */
  open(): { id: string; answer: Promise<ResponseMessage> } {
    const id = `${this.#prefix}${this.#next++}`;
    const answer = new Promise<ResponseMessage>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
    });
    return { id, answer };
  }

  owns(id: unknown): boolean {
    return typeof id === "string" && this.#waiting.has(id);
  }

  /**
   * True when the answer is to one of ours: delivered if still awaited, dropped
   * if withdrawn (a late answer to a timed-out request is still ours, never a peer's).
   */
  settle(response: ResponseMessage): boolean {
    if (typeof response.id !== "string" || !response.id.startsWith(this.#prefix)) return false;
    const waiter = this.#waiting.get(response.id);
    this.#waiting.delete(response.id);
    waiter?.resolve(response);
    return true;
  }

  forget(id: string): void {
    this.#waiting.delete(id);
  }

  rejectAll(error: Error): void {
    const waiters = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const waiter of waiters) waiter.reject(error);
  }
}
