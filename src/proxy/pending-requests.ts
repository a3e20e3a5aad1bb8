import { idKey, type JsonRpcId } from "../jsonrpc/message.js";
import type { ForwardHooks } from "./relay-context.js";

// The book of client requests that have entered the wrapper and not yet been
// answered. Settling removes the entry, so each request gets exactly one answer
// whichever path (upstream, gate, shutdown) comes first.

export interface PendingRequest {
  id: JsonRpcId;
  idRaw: string;
  method: string;
  forwarded: boolean;
  hooks: ForwardHooks | undefined;
  /** Set once the hooks heard how the call ended, so they hear it once. */
  ended: boolean;
  /** Called when the client cancels the request while the wrapper still holds it. */
  onCancel: (() => void) | undefined;
}

export class PendingRequests {
  readonly #entries = new Map<string, PendingRequest>();

  has(id: JsonRpcId): boolean {
    return this.#entries.has(idKey(id));
  }

  get(id: JsonRpcId): PendingRequest | undefined {
    return this.#entries.get(idKey(id));
  }

  add(entry: PendingRequest): void {
    this.#entries.set(idKey(entry.id), entry);
  }

  /** Removes and returns the entry; undefined when it was already answered. */
  take(id: JsonRpcId): PendingRequest | undefined {
    const key = idKey(id);
    const entry = this.#entries.get(key);
    if (entry) this.#entries.delete(key);
    return entry;
  }

  takeAll(): PendingRequest[] {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    return all;
  }
}
