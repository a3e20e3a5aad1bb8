import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ErrorObject } from "ajv";
import { escapePointerToken } from "../json/scan-json.js";
import { packageRoot } from "../package-root.js";
import { suggestName } from "../text/did-you-mean.js";
import validatePolicy from "./generated/validate-policy.js";
import type { PolicyDocument, PolicyProblem } from "./types.js";

// The published schema (schema/policy.schema.json) is the one source of truth
// for the document's shape. It is compiled to a standalone validator at build
// time (scripts/generate-validator.mjs), so start-up does not run ajv's
// compiler; this module checks documents with it and says what is wrong in
// words a policy author can act on: the field, the value found, and the near
// miss when there is one.

export type SchemaError = ErrorObject;

/** The schema's errors for a document, or none. */
export function checkAgainstSchema(document: unknown): document is PolicyDocument {
  return validatePolicy(document);
}

/** The errors of the last check, as a snapshot (the next check replaces them). */
export function lastSchemaErrors(): SchemaError[] {
  return [...(validatePolicy.errors ?? [])];
}

export function describeSchemaErrors(errors: SchemaError[], document: unknown): PolicyProblem[] {
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
    // A property name's own errors come with the propertyNames error that sums them up.
    if (coveredBy || (error.propertyName !== undefined && error.keyword !== "propertyNames")) continue;
    problems.push(describe(error, document));
  }
  return dedupe(problems);
}

/**
 * What the schema refused, by pointer: the parts it found wrong (`refused`) and
 * the fields it does not know (`unknown`), for the stand-in document.
 */
export function refusedParts(errors: SchemaError[]): { refused: string[]; unknown: string[] } {
  const refused: string[] = [];
  const unknown: string[] = [];
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    if (error.keyword === "additionalProperties")
      unknown.push(`${error.instancePath}/${escapePointerToken(String(params.additionalProperty))}`);
    else if (error.propertyName !== undefined) refused.push(`${error.instancePath}/${escapePointerToken(error.propertyName)}`);
    else if (error.keyword === "propertyNames") refused.push(`${error.instancePath}/${escapePointerToken(String(params.propertyName))}`);
    else if (error.keyword === "required" && error.instancePath === "") refused.push(`/${String(params.missingProperty)}`);
    else refused.push(error.instancePath);
  }
  return { refused, unknown };
}

const NOUNS: Record<string, string> = { op: "an operator", action: "an action", scope: "a scope" };
const TYPE_NOUNS: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  object: "an object",
  array: "an array",
  boolean: "true or false",
  null: "null",
};
const WINDOW_NAMES = ["second", "minute", "hour", "day"];
const WINDOW_FORMS = 'window must be "second", "minute", "hour", "day" or a positive number of seconds';
const PATH_FORM = 'path must be "args" or "args.<key>[.<key>...]"';

function describe(error: SchemaError, document: unknown): PolicyProblem {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const field = fieldName(at);
  const found = valueAt(document, at);
  const problem = (message: string, pointer = at): PolicyProblem => ({ pointer, message });
  switch (error.keyword) {
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      const known = knownFields(at);
      const near = suggestName(name, known);
      const hint = near ? `; did you mean "${near}"?` : known.length > 0 ? ` (fields here: ${known.join(", ")})` : "";
      return problem(`unknown field "${name}"${hint}`, `${at}/${escapePointerToken(name)}`);
    }
    case "required": {
      const missing = `missing required field "${String(params.missingProperty)}"`;
      return problem(at === "" ? missing : `${field} is ${missing}`);
    }
    case "enum":
    case "const": {
      const allowed = error.keyword === "enum" ? (params.allowedValues as unknown[]) : [params.allowedValue];
      const near = typeof found === "string" ? suggestName(found, allowed.map(String)) : undefined;
      const hint = near ? `did you mean "${near}"?` : `use one of ${allowed.map(show).join(", ")}`;
      const noun = NOUNS[field];
      if (noun) return problem(`${show(found)} is not ${noun}; ${hint}`);
      return problem(`${field} must be ${listOf(allowed.map(show))}, not ${show(found)}${near ? `; ${hint}` : ""}`);
    }
    case "oneOf":
    case "anyOf":
      if (error.schemaPath.includes("/window/")) {
        const near = typeof found === "string" ? suggestName(found, WINDOW_NAMES) : undefined;
        return problem(`${WINDOW_FORMS}, not ${show(found)}${near ? `; did you mean "${near}"?` : ""}`);
      }
      return problem(`${field} does not match any allowed form: ${show(found)}`);
    case "type": {
      const types = Array.isArray(params.type) ? (params.type as string[]) : String(params.type).split(",");
      return problem(`${field} must be ${types.map((t) => TYPE_NOUNS[t] ?? t).join(" or ")}, not ${show(found)}`);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return problem(`${field} must be ${String(params.comparison)} ${String(params.limit)}, not ${show(found)}`);
    case "minLength":
      return problem(`${field} must not be empty`);
    case "maxLength":
      return problem(`${field} must be at most ${String(params.limit)} characters long`);
    case "pattern":
      if (at.endsWith("/path")) return problem(`${PATH_FORM}, not ${show(found)}`);
      return problem(`${field} ${error.message ?? "is invalid"}, not ${show(found)}`);
    case "propertyNames": {
      const name = String(params.propertyName);
      const pointer = `${at}/${escapePointerToken(name)}`;
      const noun = at === "/resources" ? "resource URI or pattern" : at === "/prompts" ? "prompt name" : "tool name";
      return problem(name === "" ? `a ${noun} must not be empty` : `${noun} ${show(name)} is longer than 256 characters`, pointer);
    }
    default:
      return problem(`${field} ${error.message ?? "is invalid"}`);
  }
}

/** What a policy author calls the value at a pointer: `max`, `hide[1]`, `the rule for "X"`. */
function fieldName(pointer: string): string {
  const tokens = pointer
    .split("/")
    .slice(1)
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = tokens[tokens.length - 1];
  if (last === undefined) return "the policy";
  if (tokens.length === 2 && ["tools", "resources", "prompts"].includes(tokens[0] as string)) return `the rule for ${show(last)}`;
  if (/^\d+$/.test(last) && tokens.length >= 2) return `${tokens[tokens.length - 2]}[${last}]`;
  return last;
}

function valueAt(document: unknown, pointer: string): unknown {
  let current = document;
  for (const token of pointer.split("/").slice(1)) {
    const key = token.replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** The value as the author wrote it, shortened. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type SchemaNode = {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
};
let schema: SchemaNode | undefined;

/**
 * The fields the schema allows at an instance pointer (read only when an unknown
 * field is found). ajv's standalone code reports schema paths relative to each
 * $ref, so the schema is walked along the instance's own path instead.
 */
function knownFields(instancePath: string): string[] {
  schema ??= JSON.parse(readFileSync(join(packageRoot(), "schema", "policy.schema.json"), "utf8")) as SchemaNode;
  const root = schema;
  const deref = (node: SchemaNode | undefined): SchemaNode | undefined => {
    const ref = node?.$ref;
    if (!ref?.startsWith("#/")) return node;
    return deref(
      ref
        .slice(2)
        .split("/")
        .reduce<any>((n: any, t) => n?.[t], root) as SchemaNode | undefined,
    );
  };
  let node = deref(root);
  for (const token of instancePath
    .split("/")
    .slice(1)
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"))) {
    const extra = typeof node?.additionalProperties === "object" ? node.additionalProperties : undefined;
    node = deref(node?.properties?.[token] ?? node?.items ?? extra);
  }
  return Object.keys(node?.properties ?? {});
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
