import type { ErrorObject } from "ajv";
import validatePolicy from "./generated/validate-policy.js";
import type { PolicyDocument, PolicyProblem } from "./types.js";

// The published schema (schema/policy.schema.json) is the one source of truth
// for the document's shape. It is compiled to a standalone validator at build
// time (scripts/generate-validator.mjs), so start-up does not run ajv's
// compiler; this module checks documents with it and says what is wrong in
// words a policy author can act on.

export function checkAgainstSchema(document: unknown): document is PolicyDocument {
  return validatePolicy(document);
}

export function schemaProblems(): PolicyProblem[] {
  const errors = validatePolicy.errors ?? [];
  const alternatives = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
  const problems: PolicyProblem[] = [];
  for (const error of errors) {
    // An alternative's branches each fail; the alternative itself says it better.
    const coveredBy = alternatives.find(
      (alt) =>
        alt !== error &&
        error.instancePath === alt.instancePath &&
        error.schemaPath.startsWith(alt.schemaPath.replace(/\/(oneOf|anyOf)$/, "")),
    );
    if (coveredBy) continue;
    problems.push(describe(error));
  }
  return dedupe(problems);
}

function describe(error: ErrorObject): PolicyProblem {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return {
        pointer: `${at}/${escape(String(params.additionalProperty))}`,
        message: `unknown field "${String(params.additionalProperty)}"`,
      };
    case "required":
      return { pointer: at, message: `missing required field "${String(params.missingProperty)}"` };
    case "enum":
      return { pointer: at, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "const":
      return { pointer: at, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case "oneOf":
    case "anyOf":
      if (error.schemaPath.includes("/window/"))
        return { pointer: at, message: 'window must be "second", "minute", "hour", "day" or a positive number of seconds' };
      return { pointer: at, message: "does not match any allowed form" };
    case "pattern":
      if (at.endsWith("/path")) return { pointer: at, message: 'path must be "args" or "args.<key>[.<key>...]"' };
      return { pointer: at, message: error.message ?? "is invalid" };
    default:
      return { pointer: at, message: error.message ?? "is invalid" };
  }
}

function escape(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

function dedupe(problems: PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.pointer}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
