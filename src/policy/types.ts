import type { LinearRegex } from "./linear-regex.js";
import type { TargetKind } from "./target.js";

// The policy as written (document types) and as compiled once per load.

export type WindowSpec = "second" | "minute" | "hour" | "day" | number;
export type Scope = "grant" | "session";
export type Action = "allow" | "deny" | "require_approval";
/** enforce refuses what the policy refuses; monitor forwards it and records would_deny. */
export type Mode = "enforce" | "monitor";
/** Tool pinning: enforce holds back tools whose definition changed since approved; warn records and logs; off does nothing. */
export type PinMode = "enforce" | "warn" | "off";
export const OPERATORS = ["eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "regex", "contains"] as const;
export type Operator = (typeof OPERATORS)[number];

export interface LimitDocument {
  counter: string;
  window: WindowSpec;
  max: number;
  scope?: Scope;
}
export interface ConditionDocument {
  path: string;
  op: Operator;
  value?: unknown;
}
export interface ConditionGroupDocument {
  conditions: ConditionDocument[];
  on_deny?: string;
}
export interface RuleDocument {
  action?: Action;
  reason?: string;
  limits?: LimitDocument[];
  rate_limit?: { max: number; window: WindowSpec; scope?: Scope };
  require?: ConditionGroupDocument[];
  deny_if?: ConditionGroupDocument[];
  arguments?: object | boolean;
}
/** A resource rule: whether the URIs it matches may be listed, read and subscribed to. */
export interface ResourceRuleDocument {
  action?: Action;
  reason?: string;
}
/** A prompt rule: a tool rule without an arguments schema. */
export type PromptRuleDocument = Omit<RuleDocument, "arguments">;
export interface PolicyDocument {
  version: "1";
  default: "allow" | "deny";
  mode?: Mode;
  default_resources?: "allow" | "deny";
  default_prompts?: "allow" | "deny";
  pin?: PinMode;
  /** Tool names and globs; `resource:` and `prompt:` entries hide resources and prompts. */
  hide?: string[];
  all_tools?: { limits?: LimitDocument[] };
  tools?: Record<string, RuleDocument>;
  resources?: Record<string, ResourceRuleDocument>;
  prompts?: Record<string, PromptRuleDocument>;
}

export interface CompiledLimit {
  counter: string;
  windowMs: number;
  /** The window as the policy wrote it, for messages ("minute", "90s"). */
  windowLabel: string;
  window: WindowSpec;
  max: number;
  scope: Scope;
  /** JSON Pointer of the limit in the policy. */
  pointer: string;
  /** A `rate_limit` shorthand on a glob rule: each matching tool or prompt counts under its own name (target.ts ownCounter). */
  perTarget: boolean;
}

export interface CompiledCondition {
  /** Keys below the arguments object; empty for the whole arguments object. */
  path: string[];
  op: Operator;
  value: unknown;
  regex: LinearRegex | undefined;
}

export interface CompiledGroup {
  conditions: CompiledCondition[];
  onDeny: string | undefined;
  pointer: string;
}

/** A rule's compiled `arguments` schema: false with errors when the arguments fail it. */
export interface ArgumentsValidator {
  (args: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}

export interface CompiledRule {
  key: string;
  pointer: string;
  action: Action;
  reason: string | undefined;
  limits: CompiledLimit[];
  /** Whether any of the limits is counted per target (decided at compile time, not per call). */
  hasPerTargetLimits: boolean;
  require: CompiledGroup[];
  denyIf: CompiledGroup[];
  validateArguments: ArgumentsValidator | undefined;
}

/** What is a wildcard: `?` (names only), and whether a final `/*` also matches the directory (URIs). */
export interface GlobSyntax {
  question: boolean;
  dirStar: boolean;
}

export interface Glob {
  pattern: string;
  regex: RegExp;
  literals: number;
  syntax: GlobSyntax;
}

/** Hides and rules of one kind, keyed as compared (resource keys normalised, see uri.ts). */
export interface RuleIndex {
  /** Hidden names, with the pointer of the entry that hides each. */
  hideExact: Map<string, string>;
  hideGlobs: { glob: Glob; pointer: string }[];
  exact: Map<string, CompiledRule>;
  /** Most literal characters first; ties keep file order. */
  globs: { glob: Glob; rule: CompiledRule }[];
}

/** Everything the policy says about one kind of target. */
export interface CompiledSection extends RuleIndex {
  kind: TargetKind;
  /**
   * Whether the policy says anything about this kind: a rule, a hide entry or a
   * default of deny. When it does not, every target of the kind is allowed and
   * its requests pass untouched.
   */
  governed: boolean;
  defaultAction: "allow" | "deny";
  /** `/default`, `/default_resources`, `/default_prompts`. */
  defaultPointer: string;
  /** Limits every allowed call of this kind must also pass (`all_tools.limits` for tools). */
  sharedLimits: CompiledLimit[];
  /** The same hides and rules with folded keys (target.ts foldName), for the folded reading; not for tools. */
  folded: RuleIndex | undefined;
}

export interface CompiledPolicy {
  /** sha256 of the policy text, so that a record names the policy that decided. */
  fingerprint: string;
  /** The policy's own "mode" field, when it has one (the command line may override it). */
  mode: Mode | undefined;
  /** What a changed tool definition does (default enforce). */
  pin: PinMode;
  sections: Record<TargetKind, CompiledSection>;
}

export interface PolicyProblem {
  pointer: string;
  message: string;
}
