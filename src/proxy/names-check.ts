import type { WrapperEvent } from "../events/events.js";
import type { CompiledPolicy } from "../policy/types.js";
import { findUnmatchedNames, type LiveTargets } from "../policy/unmatched-names.js";

// A rule or hide that names nothing the server lists is usually a typo that
// silently does nothing: say so, per kind, once the client has listed it
// (resources once both resources and templates are known), and once per
// policy and list.

export interface KnownLists {
  tools: string[] | undefined;
  prompts: string[] | undefined;
  resources: string[] | undefined;
  templates: string[] | undefined;
}

export class NamesCheck {
  /** Per kind, the policy and list last checked. */
  readonly #checked = new Map<string, string>();

  readonly #emit: (event: WrapperEvent) => void;
  readonly #clock: () => number;

  constructor(emit: (event: WrapperEvent) => void, clock: () => number) {
    this.#emit = emit;
    this.#clock = clock;
  }

  check(policy: CompiledPolicy, known: KnownLists): void {
    const { tools, prompts, resources, templates } = known;
    const kinds: [string, LiveTargets, boolean][] = [
      ["tools", { tools: tools ?? [] }, tools !== undefined],
      ["prompts", { prompts: prompts ?? [] }, policy.sections.prompt.governed && prompts !== undefined],
      [
        "resources",
        { resources: resources ?? [], templates: templates ?? [] },
        policy.sections.resource.governed && resources !== undefined && templates !== undefined,
      ],
    ];
    for (const [kind, live, listed] of kinds) {
      if (!listed) continue;
      const key = `${policy.fingerprint}\u0000${JSON.stringify(live)}`;
      if (this.#checked.get(kind) === key) continue;
      this.#checked.set(kind, key);
      const names = findUnmatchedNames(policy, live);
      if (names.length > 0) this.#emit({ type: "unmatched_names", at: this.#clock(), policy: policy.fingerprint, names });
    }
  }
}
