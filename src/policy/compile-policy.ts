import { escapePointerToken } from "../json/scan-json.js";
import { argumentsCompiler, type ArgumentsCompiler } from "./arguments-schema.js";
import { compileGroups } from "./conditions.js";
import { checkLimits, compileLimit, shorthandLimit } from "./compile-limits.js";
import { checkPattern, compileGlob, isGlob } from "./glob.js";
import type { CompiledLimit, CompiledPolicy, CompiledRule, PolicyDocument, PolicyProblem, RuleDocument } from "./types.js";

// Turns a schema-valid document into matchers, limits, conditions and ajv
// validators, once per load, and finds what the schema alone cannot: bad
// globs, bad regexes, argument schemas that do not compile, counters that
// disagree. A policy with any problem is refused whole.

export type CompileResult = { ok: true; policy: CompiledPolicy } | { ok: false; problems: PolicyProblem[] };

export function compilePolicy(doc: PolicyDocument, fingerprint = ""): CompileResult {
  const problems: PolicyProblem[] = [];
  const allLimits: CompiledLimit[] = [];
  const schemas = argumentsCompiler();

  const policy: CompiledPolicy = {
    fingerprint,
    mode: doc.mode,
    defaultAction: doc.default,
    hideExact: new Map(),
    hideGlobs: [],
    exact: new Map(),
    globs: [],
    allToolsLimits: (doc.all_tools?.limits ?? []).map((limit, i) => compileLimit(limit, `/all_tools/limits/${i}`)),
  };
  allLimits.push(...policy.allToolsLimits);

  (doc.hide ?? []).forEach((pattern, i) => {
    const pointer = `/hide/${i}`;
    const bad = checkPattern(pattern);
    if (bad) problems.push({ pointer, message: `pattern ${JSON.stringify(pattern)} ${bad}` });
    else if (isGlob(pattern)) policy.hideGlobs.push({ glob: compileGlob(pattern), pointer });
    else if (!policy.hideExact.has(pattern)) policy.hideExact.set(pattern, pointer);
  });

  const globs: { glob: ReturnType<typeof compileGlob>; rule: CompiledRule; order: number }[] = [];
  Object.entries(doc.tools ?? {}).forEach(([key, ruleDoc], order) => {
    const pointer = `/tools/${escapePointerToken(key)}`;
    const bad = checkPattern(key);
    if (bad) {
      problems.push({ pointer, message: `tool name or pattern ${JSON.stringify(key)} ${bad}` });
      return;
    }
    const rule = compileRule(key, ruleDoc, pointer, schemas, problems);
    allLimits.push(...rule.limits);
    if (isGlob(key)) globs.push({ glob: compileGlob(key), rule, order });
    else policy.exact.set(key, rule);
  });
  globs.sort((a, b) => b.glob.literals - a.glob.literals || a.order - b.order);
  policy.globs = globs.map(({ glob, rule }) => ({ glob, rule }));

  checkLimits(allLimits, problems);
  schemas.done();
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy };
}

function compileRule(key: string, doc: RuleDocument, pointer: string, schemas: ArgumentsCompiler, problems: PolicyProblem[]): CompiledRule {
  const limits = (doc.limits ?? []).map((limit, i) => compileLimit(limit, `${pointer}/limits/${i}`));
  if (doc.rate_limit) limits.push(shorthandLimit(key, isGlob(key), doc.rate_limit, `${pointer}/rate_limit`));
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
    hasPerToolLimits: limits.some((limit) => limit.perTool),
    require: compileGroups(doc.require, `${pointer}/require`, problems),
    denyIf: compileGroups(doc.deny_if, `${pointer}/deny_if`, problems),
    validateArguments,
  };
}
