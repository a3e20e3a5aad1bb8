import { argumentsCompiler, type ArgumentsCompiler } from "./arguments-schema.js";
import { compileSection } from "./compile-section.js";
import { compileGroups } from "./conditions.js";
import { checkLimits, compileLimit, shorthandLimit } from "./compile-limits.js";
import { isGlob } from "./glob.js";
import { SECTION, TARGET_KINDS, type TargetKind } from "./target.js";
import type {
  CompiledLimit,
  CompiledPolicy,
  CompiledRule,
  CompiledSection,
  GlobSyntax,
  PolicyDocument,
  PolicyProblem,
  RuleDocument,
} from "./types.js";

// Turns a schema-valid document into matchers, limits, conditions and ajv
// validators, once per load, and finds what the schema alone cannot: bad
// globs and URIs, bad regexes, argument schemas that do not compile, counters
// that disagree. A policy with any problem is refused whole. Tools, resources
// and prompts are compiled by one function (compile-section).

export type CompileResult = { ok: true; policy: CompiledPolicy } | { ok: false; problems: PolicyProblem[] };

export function compilePolicy(doc: PolicyDocument, fingerprint = ""): CompileResult {
  const problems: PolicyProblem[] = [];
  // In file order, so that a counter defined twice is reported at its second definition.
  const allLimits: CompiledLimit[] = [];
  const schemas = argumentsCompiler();
  const allToolsLimits = (doc.all_tools?.limits ?? []).map((limit, i) => compileLimit(limit, `/all_tools/limits/${i}`));
  allLimits.push(...allToolsLimits);
  const hides = (doc.hide ?? []).map((pattern, index) => ({ pattern, index, kind: kindOfHide(pattern) }));

  const section = (kind: TargetKind): CompiledSection => {
    const prefix = SECTION[kind].hidePrefix;
    return compileSection(
      {
        kind,
        defaultAction: (kind === "tool" ? doc.default : kind === "resource" ? doc.default_resources : doc.default_prompts) ?? "allow",
        hides: hides.filter((h) => h.kind === kind).map((h) => ({ pattern: h.pattern.slice(prefix.length), index: h.index })),
        rules: Object.entries((kind === "tool" ? doc.tools : kind === "resource" ? doc.resources : doc.prompts) ?? {}),
        sharedLimits: kind === "tool" ? allToolsLimits : [],
        compileRule: (key, ruleDoc, pointer, syntax) => {
          const rule = compileRule(kind, key, ruleDoc as RuleDocument, pointer, syntax, schemas, problems);
          allLimits.push(...rule.limits);
          return rule;
        },
      },
      problems,
    );
  };
  const sections = Object.fromEntries(TARGET_KINDS.map((kind) => [kind, section(kind)])) as Record<TargetKind, CompiledSection>;
  const policy: CompiledPolicy = { fingerprint, mode: doc.mode, pin: doc.pin ?? "enforce", sections };
  checkLimits(allLimits, problems);
  schemas.done();
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy };
}

const PREFIXED_KINDS: TargetKind[] = ["resource", "prompt"];

/** `resource:` and `prompt:` entries of `hide` are about resources and prompts; every other entry names tools, as before. */
function kindOfHide(pattern: string): TargetKind {
  return PREFIXED_KINDS.find((kind) => pattern.startsWith(SECTION[kind].hidePrefix)) ?? "tool";
}

function compileRule(
  kind: TargetKind,
  key: string,
  doc: RuleDocument,
  pointer: string,
  syntax: GlobSyntax,
  schemas: ArgumentsCompiler,
  problems: PolicyProblem[],
): CompiledRule {
  const limits = (doc.limits ?? []).map((limit, i) => compileLimit(limit, `${pointer}/limits/${i}`));
  if (doc.rate_limit) limits.push(shorthandLimit(kind, key, isGlob(key, syntax), doc.rate_limit, `${pointer}/rate_limit`));
  let validateArguments;
  if (doc.arguments !== undefined) {
    try {
      validateArguments = schemas.compile(doc.arguments);
    } catch (error) {
      problems.push({
        pointer: `${pointer}/arguments`,
        message: `arguments schema does not compile: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return {
    key,
    pointer,
    action: doc.action ?? "allow",
    reason: doc.reason,
    limits,
    hasPerTargetLimits: limits.some((limit) => limit.perTarget),
    require: compileGroups(doc.require, `${pointer}/require`, problems),
    denyIf: compileGroups(doc.deny_if, `${pointer}/deny_if`, problems),
    validateArguments,
  };
}
