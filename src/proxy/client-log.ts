import type { WrapperEvent } from "../events/events.js";
import { approvalNeededLine, rejectedReloadLines } from "../events/log-events.js";
import { isRecord } from "../jsonrpc/message.js";
import type { ClientRequest, ForwardHooks, Interceptor, RelayContext } from "./relay-context.js";

// What the user must see inside the client, not only in a stderr log the
// client buries in a file: a rejected reload (level error), a call held
// until someone runs `policy-wrap approve` (level warning). It goes out as an MCP log
// message (notifications/message, level "error", logger "policy-wrap") when
// the client has asked for log messages (logging/setLevel, at "error" or
// below) or, until it says otherwise, when the upstream declared the
// `logging` capability. It takes events, so it can subscribe to the bus.

/** RFC 5424 severities, as MCP orders them. */
const LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
const LOGGER = "policy-wrap";

export class ClientLog {
  readonly #notify: (method: string, params: unknown) => void;
  /** The level the client set with logging/setLevel, if it did. */
  #clientLevel: number | undefined;
  #upstreamLogs = false;

  constructor(notify: (method: string, params: unknown) => void) {
    this.#notify = notify;
  }

  /** Takes events like any subscriber; a rejected reload and a call held out of band are sent to the client. */
  readonly onEvent = (event: WrapperEvent): void => {
    if (event.type === "reload" && !event.accepted) this.error(rejectedReloadLines(event).join("\n"));
    if (event.type === "approval") {
      const needed = approvalNeededLine(event);
      if (needed !== undefined) this.#send("warning", needed);
    }
  };

  /** Sends the text at level error, if the client listens for it. */
  error(text: string): void {
    this.#send("error", text);
  }

  #send(level: (typeof LEVELS)[number], text: string): void {
    const listening = this.#clientLevel === undefined ? this.#upstreamLogs : this.#clientLevel <= LEVELS.indexOf(level);
    if (listening) this.#notify("notifications/message", { level, logger: LOGGER, data: text });
  }

  /** Interceptors to run beside the gate's: they observe, and forward everything as it came. */
  wrapInterceptors(interceptors: Map<string, Interceptor>): Map<string, Interceptor> {
    const wrapped = new Map(interceptors);
    const initialize = interceptors.get("initialize");
    wrapped.set("initialize", (request, relay) => {
      const observing = observeAnswer(relay, (result) => this.#onInitializeResult(result));
      if (initialize) initialize(request, observing);
      else observing.forward(request);
    });
    const setLevel = interceptors.get("logging/setLevel");
    wrapped.set("logging/setLevel", (request, relay) => {
      this.#onSetLevel(request);
      if (setLevel) setLevel(request, relay);
      else relay.forward(request);
    });
    return wrapped;
  }

  #onInitializeResult(result: unknown): void {
    this.#upstreamLogs = isRecord(result) && isRecord(result.capabilities) && isRecord(result.capabilities.logging);
  }

  #onSetLevel(request: ClientRequest): void {
    const level = isRecord(request.params) ? request.params.level : undefined;
    const rank = LEVELS.indexOf(level as (typeof LEVELS)[number]);
    if (rank !== -1) this.#clientLevel = rank;
  }
}

/** The same relay, but the upstream's answer to a forwarded request is also handed to `onResult`. */
function observeAnswer(relay: RelayContext, onResult: (result: unknown) => void): RelayContext {
  const withObserver = (hooks: ForwardHooks | undefined): ForwardHooks => ({
    ...hooks,
    settled: (end) => {
      if (end.kind === "response") onResult(end.response.result);
      hooks?.settled?.(end);
    },
  });
  return {
    forward: (request, hooks) => relay.forward(request, withObserver(hooks)),
    answer: (request, result) => relay.answer(request, result),
    fail: (request, code, message, data) => relay.fail(request, code, message, data),
    requestUpstream: (method, params) => relay.requestUpstream(method, params),
    requestClient: (method, params) => relay.requestClient(method, params),
    onCancel: (request, handler) => relay.onCancel(request, handler),
    notifyClient: (method, params) => relay.notifyClient(method, params),
  };
}
