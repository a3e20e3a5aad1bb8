import type { LinearRegex } from "./linear-regex.js";

// The policy as written (document types) and as compiled once per load.

export type WindowSpec = "second" | "minute" | "hour" | "day" | number;
export type Scope = "grant" | "session";
export type Action = "allow" | "deny" | "require_approval";
/** enforce refuses what the policy refuses; monitor forwards it and records would_deny. */
export type Mode = "enforce" | "monitor";
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
export interface PolicyDocument {
  version: "1";
  default: "allow" | "deny";
  mode?: Mode;
  hide?: string[];
  all_tools?: { limits?: LimitDocument[] };
  tools?: Record<string, RuleDocument>;
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
  /** A `rate_limit` shorthand on a glob rule: each matching tool counts under its own name. */
  perTool: boolean;
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
  /** Whether any of the limits is counted per tool (decided at compile time, not per call). */
  hasPerToolLimits: boolean;
  require: CompiledGroup[];
  denyIf: CompiledGroup[];
  validateArguments: ArgumentsValidator | undefined;
}

export interface Glob {
  pattern: string;
  regex: RegExp;
  literals: number;
}

export interface CompiledPolicy {
  /** sha256 of the policy text, so that a record names the policy that decided. */
  fingerprint: string;
  /** The policy's own "mode" field, when it has one (the command line may override it). */
  mode: Mode | undefined;
  defaultAction: "allow" | "deny";
  /** Hidden names, with the pointer of the entry that hides each. */
  hideExact: Map<string, string>;
  hideGlobs: { glob: Glob; pointer: string }[];
  exact: Map<string, CompiledRule>;
  /** Most literal characters first; ties keep file order. */
  globs: { glob: Glob; rule: CompiledRule }[];
  allToolsLimits: CompiledLimit[];
}

export interface PolicyProblem {
  pointer: string;
  message: string;
}
