import type { Approvals } from "../approvals/approvals.js";
import type { DecisionEvent, WrapperEvent } from "../events/events.js";
import { isRecord } from "../jsonrpc/message.js";
import type { Limiter } from "../limits/limiter.js";
import type { PinChecker } from "../pins/pin-checker.js";
import { describeChange, type PolicyChange } from "../policy/describe-change.js";
import { isVisible } from "../policy/evaluate.js";
import type { CompiledPolicy, Mode } from "../policy/types.js";
import { supportsFormElicitation } from "./approval.js";
import { TargetCalls } from "./call-tool.js";
import { handleCompletion } from "./completions.js";
import { listAllTools, UpstreamListError } from "./list-tools.js";
import { NamesCheck } from "./names-check.js";
import { refreshPins } from "./pin-refresh.js";
import { createRefusals, type RequestRefusals } from "./refuse-request.js";
import { advertiseListChanged } from "./patch-initialize.js";
import { effectiveMode, type PolicyInForce } from "./policy-in-force.js";
import type { ClientRequest, Interceptor, RelayContext } from "./relay-context.js";
import { TargetLists, TARGET_LISTS } from "./target-lists.js";
import { readTargetParams, TARGET_METHODS } from "./target-params.js";

// The one place policy is applied. The relay hands over the requests the
// policy cares about; the gate asks the pure evaluator for a decision and
// carries it out, and says what it did as events. It formats no log text.

const NOTHING_HELD: ReadonlySet<string> = new Set();

export interface GateOptions {
  policy: CompiledPolicy;
  limiter: Limiter;
  /** Tool pins (absent: no pinning whatever the policy says, for in-process tests). */
  pins?: PinChecker;
  emit: (event: WrapperEvent) => void;
  /** How the upstream is named to the user until its initialize result names it (serverInfo.name). */
  serverName: string;
  approvalTimeoutMs: number;
  /** --mode, when given: it and the policy's "mode" field decide together (see effectiveMode). */
  mode?: Mode;
  /** With --audit-required: writes a decision's record before its call is forwarded. */
  recordFirst?: (decision: DecisionEvent) => Promise<string | undefined>;
  approvals: Approvals;
  /** false (--no-elicitation): never ask in the client, even one that could (headless clients answer forms themselves). */
  elicitation?: boolean;
  clock?: () => number;
}

export class Gate {
  readonly #emit: (event: WrapperEvent) => void;
  readonly #clock: () => number;
  #inForce: PolicyInForce;
  /** The upstream's tool names as of the client's last tools/list. */
  #knownTools: string[] | undefined;
  #clientCanElicit = false;
  #serverName: string;
  readonly #names: NamesCheck;
  readonly #calls: TargetCalls;
  readonly #refusals: RequestRefusals;
  readonly #lists: TargetLists;
  readonly #modeFlag: Mode | undefined;
  readonly #pins: PinChecker | undefined;
  /** The list being fetched so that a call can be checked against its pin, shared by the calls that wait for it. */
  #pinList: Promise<void> | undefined;

  constructor(options: GateOptions) {
    this.#emit = options.emit;
    this.#pins = options.pins;
    this.#clock = options.clock ?? Date.now;
    this.#modeFlag = options.mode;
    this.#inForce = { policy: options.policy, epoch: this.#clock(), mode: effectiveMode(options.mode, options.policy) };
    this.#serverName = options.serverName;
    this.#refusals = createRefusals({ inForce: () => this.#inForce, emit: options.emit, clock: this.#clock });
    this.#calls = new TargetCalls({
      inForce: () => this.#inForce,
      serverName: () => this.#serverName,
      clientCanElicit: () => this.#clientCanElicit && options.elicitation !== false,
      limiter: options.limiter,
      approvals: options.approvals,
      emit: options.emit,
      clock: this.#clock,
      approvalTimeoutMs: options.approvalTimeoutMs,
      recordFirst: options.recordFirst,
      pinsReady: (relay) => this.#pinsReady(relay),
      pinVerdict: (name) => this.#pins?.verdict(name, this.#inForce.policy.pin) ?? { ok: true },
      refusals: this.#refusals,
    });
    this.#names = new NamesCheck(options.emit, this.#clock);
    this.#lists = new TargetLists({
      inForce: () => this.#inForce,
      emit: options.emit,
      clock: this.#clock,
      listed: () => this.#checkNames(),
    });
  }

  get policy(): CompiledPolicy {
    return this.#inForce.policy;
  }

  get mode(): Mode {
    return this.#inForce.mode;
  }

  /**
   * Swaps in a new policy: one assignment, so every step of a call is judged
   * wholly by the old policy or wholly by the new one. Calls already forwarded
   * keep their decision; calls held for approval are judged again.
   */
  replacePolicy(policy: CompiledPolicy): PolicyChange {
    const before = this.#inForce;
    const mode = effectiveMode(this.#modeFlag, policy);
    this.#inForce = { policy, epoch: this.#clock(), mode };
    // Definitions seen while pinning was off were never compared: the next call lists first.
    if (before.policy.pin === "off" && policy.pin !== "off") this.#pins?.markStale();
    this.#checkNames();
    const change = modeChange(describeChange(before.policy, policy, this.#knownTools), before, this.#inForce, this.#knownTools);
    const lists = this.#lists.describeChanges(before, this.#inForce);
    return lists.length > 0 ? { ...change, lists } : change;
  }

  #checkNames(): void {
    const known = (method: string) => this.#lists.known(method);
    this.#names.check(this.#inForce.policy, {
      tools: this.#knownTools,
      prompts: known("prompts/list"),
      resources: known("resources/list"),
      templates: known("resources/templates/list"),
    });
  }

  interceptors(): Map<string, Interceptor> {
    return new Map<string, Interceptor>([
      ["initialize", (request, relay) => this.#initialize(request, relay)],
      ["tools/list", (request, relay) => void this.#listTools(request, relay)],
      ["tools/call", (request, relay) => this.#calls.handle(request, relay)],
      ...Object.keys(TARGET_LISTS).map((method): [string, Interceptor] => [method, (request, relay) => this.#lists.handle(request, relay)]),
      ...Object.keys(TARGET_METHODS).map((method): [string, Interceptor] => [method, (request, relay) => this.#target(request, relay)]),
      ["completion/complete", (request, relay) => handleCompletion(request, relay, () => this.#inForce, this.#refusals)],
    ]);
  }

  /** resources/read, resources/subscribe, prompts/get: the same path as a tools/call, once the params are checked. */
  #target(request: ClientRequest, relay: RelayContext): void {
    const kind = TARGET_METHODS[request.method]?.kind ?? "resource";
    const governed = this.#inForce.policy.sections[kind].governed;
    const params = readTargetParams(request.method, request.params, governed);
    if (params.ok) this.#calls.run(request, relay, params.call);
    // Nothing to judge and nothing the policy says about the kind: the upstream answers as it would without the wrapper.
    else if (!governed) relay.forward(request);
    else this.#refusals.malformed(request, relay, params.target, params.message);
  }

  #initialize(request: ClientRequest, relay: RelayContext): void {
    this.#clientCanElicit = supportsFormElicitation(request.params);
    relay.forward(request, {
      rewrite: (response) => {
        const info = isRecord(response.result) && isRecord(response.result.serverInfo) ? response.result.serverInfo : undefined;
        if (typeof info?.name === "string") this.#serverName = info.name;
        const name = typeof info?.name === "string" ? info.name : undefined;
        const version = typeof info?.version === "string" ? info.version : undefined;
        this.#emit({ type: "server_info", at: this.#clock(), name, version });
        this.#pins?.setServerName(name);
        return advertiseListChanged(response);
      },
    });
  }

  async #listTools(request: ClientRequest, relay: RelayContext): Promise<void> {
    const epoch = this.#pins?.epoch ?? 0;
    let listed;
    try {
      listed = await listAllTools(relay, request.params);
    } catch (error) {
      if (error instanceof UpstreamListError) relay.fail(request, error.code, error.message, error.data);
      else relay.fail(request, -32000, `tools/list failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const { rest, tools } = listed;
    const { policy, mode } = this.#inForce;
    const fromCursor = isRecord(request.params) && request.params.cursor !== undefined;
    const held = this.#learnTools(tools, epoch, !fromCursor);
    // Monitor mode hides nothing (tools held back by their pins included); a nameless tool is dropped in both (no call could name it).
    const visible = tools.filter(
      (tool) =>
        typeof tool.name === "string" &&
        (mode === "monitor" || (isVisible(policy, { kind: "tool", name: tool.name }) && !held.has(tool.name))),
    );
    const names = visible.map((tool) => tool.name as string);
    this.#emit({ type: "list", at: this.#clock(), method: request.method, visible: visible.length, total: tools.length, tools: names });
    relay.answer(request, { ...rest, tools: visible });
  }

  /** What a list fetched from the upstream teaches: its names, and (unless pinning is off) the tools held back. */
  #learnTools(tools: Record<string, unknown>[], epoch: number, complete = true): ReadonlySet<string> {
    this.#knownTools = tools.flatMap((tool) => (typeof tool.name === "string" ? [tool.name] : []));
    this.#checkNames();
    const mode = this.#inForce.policy.pin;
    return this.#pins && mode !== "off" ? this.#pins.observe(tools, mode, epoch, complete) : NOTHING_HELD;
  }

  /** Lists the tools first when a call cannot be checked against its pin yet (see refreshPins). */
  #pinsReady(relay: RelayContext): Promise<void> | undefined {
    const pins = this.#pins;
    if (!pins || this.#inForce.policy.pin !== "enforce" || !pins.needsList) return undefined;
    this.#pinList ??= refreshPins(relay, pins, (tools, epoch) => this.#learnTools(tools, epoch)).finally(() => (this.#pinList = undefined));
    return this.#pinList;
  }

  /** Pin mode or pins changed what the client may see: whether the client should list again. */
  pinsAffectVisibility(before: CompiledPolicy, after: CompiledPolicy): boolean {
    return this.#pins !== undefined && before.pin !== after.pin && (before.pin === "enforce" || after.pin === "enforce");
  }
}

/** A switch between enforce and monitor shows or hides every tool the enforcing policy hides. */
function modeChange(change: PolicyChange, before: PolicyInForce, after: PolicyInForce, known: readonly string[] | undefined): PolicyChange {
  if (known === undefined) return change;
  if (before.mode === "monitor" && after.mode === "monitor") return { ...change, shown: [], hidden: [] };
  if (before.mode === after.mode) return change;
  if (after.mode === "monitor")
    return { ...change, shown: known.filter((name) => !isVisible(before.policy, { kind: "tool", name })), hidden: [] };
  return { ...change, shown: [], hidden: known.filter((name) => !isVisible(after.policy, { kind: "tool", name })) };
}
