import type { WrapperEvent } from "../events/events.js";
import { isRecord } from "../jsonrpc/message.js";
import { isVisible } from "../policy/evaluate.js";
import type { ListChange, PolicyChange } from "../policy/describe-change.js";
import type { TargetKind } from "../policy/target.js";
import { isTemplateVisible } from "../policy/template-visibility.js";
import type { CompiledPolicy } from "../policy/types.js";
import { listAllPages, UpstreamListError } from "./list-tools.js";
import type { PolicyInForce } from "./policy-in-force.js";
import type { ClientRequest, RelayContext } from "./relay-context.js";

// resources/list, resources/templates/list and prompts/list, filtered like
// tools/list: every page fetched and merged, each entry kept exactly as sent
// when a call could reach it. While the policy says nothing about a kind (or
// runs in monitor mode), its lists pass through untouched, byte for byte; the
// names in them are noted either way, so that a reload knows what the client
// has seen and can tell it when that changes.

interface ListShape {
  kind: TargetKind;
  /** The result's array. */
  field: string;
  /** The entry's member that names it. */
  key: string;
  template: boolean;
}

export const TARGET_LISTS: Record<string, ListShape> = {
  "resources/list": { kind: "resource", field: "resources", key: "uri", template: false },
  "resources/templates/list": { kind: "resource", field: "resourceTemplates", key: "uriTemplate", template: true },
  "prompts/list": { kind: "prompt", field: "prompts", key: "name", template: false },
};

export interface TargetListsOptions {
  inForce(): PolicyInForce;
  emit: (event: WrapperEvent) => void;
  clock: () => number;
  /** Called once a list's names are known (for the unmatched-names check). */
  listed?: () => void;
}

/** Whether the list shows the entry named `name` (a URI, a URI template or a prompt name). */
export function isListed(policy: CompiledPolicy, method: string, name: string): boolean {
  const shape = TARGET_LISTS[method] as ListShape;
  return shape.template ? isTemplateVisible(policy, name) : isVisible(policy, { kind: shape.kind, name });
}

/** The list_changed notification for each list method. */
const LIST_CHANGED: Record<string, string> = {
  "resources/list": "notifications/resources/list_changed",
  "resources/templates/list": "notifications/resources/list_changed",
  "prompts/list": "notifications/prompts/list_changed",
};

/** The notifications a reload's change calls for, beyond tools (each once). */
export function listChangedNotifications(change: PolicyChange): string[] {
  return [...new Set((change.lists ?? []).map((list) => LIST_CHANGED[list.method] as string))];
}

export class TargetLists {
  readonly #o: TargetListsOptions;
  /** The names the upstream listed, per list method, as of the client's last listing. */
  readonly #known = new Map<string, Set<string>>();

  constructor(options: TargetListsOptions) {
    this.#o = options;
  }

  /** The names of a list the client has seen from the upstream, or undefined before its first listing. */
  known(method: string): string[] | undefined {
    const names = this.#known.get(method);
    return names && [...names];
  }

  /** What a swap of policies (or modes) changes in the lists the client has seen. */
  describeChanges(before: PolicyInForce, after: PolicyInForce): ListChange[] {
    const listed = (inForce: PolicyInForce, method: string, name: string) =>
      inForce.mode === "monitor" || isListed(inForce.policy, method, name);
    const changes: ListChange[] = [];
    for (const [method, names] of this.#known) {
      const shown = [...names].filter((name) => !listed(before, method, name) && listed(after, method, name));
      const hidden = [...names].filter((name) => listed(before, method, name) && !listed(after, method, name));
      if (shown.length + hidden.length > 0) changes.push({ method, shown, hidden });
    }
    return changes;
  }

  handle(request: ClientRequest, relay: RelayContext): void {
    const shape = TARGET_LISTS[request.method] as ListShape;
    const { policy, mode } = this.#o.inForce();
    if (policy.sections[shape.kind].governed && mode !== "monitor") {
      void this.#filter(request, relay, shape);
      return;
    }
    const firstPage = !isRecord(request.params) || request.params.cursor === undefined;
    relay.forward(request, {
      rewrite: (response) => {
        this.#learn(request.method, shape, response.result, firstPage);
      },
    });
  }

  #learn(method: string, shape: ListShape, result: unknown, reset: boolean): string[] {
    const list = isRecord(result) && Array.isArray(result[shape.field]) ? (result[shape.field] as unknown[]) : [];
    const names = list.flatMap((entry) => (isRecord(entry) && typeof entry[shape.key] === "string" ? [entry[shape.key] as string] : []));
    const known = reset ? new Set<string>() : (this.#known.get(method) ?? new Set<string>());
    for (const name of names) known.add(name);
    this.#known.set(method, known);
    this.#o.listed?.();
    return names;
  }

  async #filter(request: ClientRequest, relay: RelayContext, shape: ListShape): Promise<void> {
    let listed;
    try {
      listed = await listAllPages(relay, request.method, shape.field, request.params);
    } catch (error) {
      if (error instanceof UpstreamListError) relay.fail(request, error.code, error.message, error.data);
      else relay.fail(request, -32000, `${request.method} failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const { rest, items } = listed;
    this.#learn(request.method, shape, { [shape.field]: items }, true);
    // Judged by the policy in force when the answer goes out; an entry without a name is one no request could reach.
    const { policy, mode } = this.#o.inForce();
    const visible = items.filter((item) => {
      const name = item[shape.key];
      return typeof name === "string" && (mode === "monitor" || isListed(policy, request.method, name));
    });
    const { emit, clock } = this.#o;
    emit({ type: "list", at: clock(), method: request.method, visible: visible.length, total: items.length });
    relay.answer(request, { ...rest, [shape.field]: visible });
  }
}
