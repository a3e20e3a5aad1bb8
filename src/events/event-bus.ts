import type { EventListener, WrapperEvent } from "./events.js";

// Synchronous fan-out of wrapper events. A subscriber that throws is cut off
// from that one event, never the relay: the event reaches every other subscriber
// and the call goes on. Subscribers that must not miss events (the audit trail)
// handle their own faults.

export class EventBus {
  readonly #listeners: EventListener[] = [];
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at !== -1) this.#listeners.splice(at, 1);
    };
  }

  readonly emit = (event: WrapperEvent): void => {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  };
}
