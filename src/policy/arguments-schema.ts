import { createRequire } from "node:module";
import type { Ajv2020 } from "ajv/dist/2020.js";
import { foldKey } from "../json/fold-key.js";
import { escapePointerToken } from "../json/scan-json.js";
import { compileLinearRegex } from "./linear-regex.js";
import type { ArgumentsValidator } from "./types.js";

// The `arguments` JSON Schema of a rule, compiled once per load so that no
// argument can make a check unbounded:
// - `pattern` (and patternProperties, propertyNames) runs on the linear-time
//   engine, within a budget per check (see linear-regex); a string too long to
//   check fails the schema;
// - `required` and the rest look at own properties only (ajv's default finds
//   "constructor" on {});
// - `uniqueItems` costs one pass (ajv's compares every pair of objects);
// - string formats are not checked on strings over 64 KiB (ajv-formats'
//   regexes backtrack): such a string fails the schema;
// - a key anywhere in the arguments that folds to a property name the schema
//   names without being it ("Bucket", "buc\u212aet" for "bucket") fails the
//   schema: a case-insensitive binder upstream reads it as the named property,
//   which the schema never checked.

const require = createRequire(import.meta.url);
const MAX_FORMAT_STRING = 64 * 1024;

/** Thrown inside ajv by a check that would cost too much; the validator turns it into a failure. */
class TooLongToCheck extends Error {}

function linearRegExp(pattern: string): { test(s: string): boolean; toString(): string } {
  const compiled = compileLinearRegex(pattern, { unicode: true });
  if ("error" in compiled) throw new Error(compiled.error);
  const { regex } = compiled;
  return {
    // ajv shares compiled patterns by this text: it must name the pattern.
    toString: () => `linear:${pattern}`,
    test(subject: string): boolean {
      if (subject.length > regex.maxSubject)
        throw new TooLongToCheck(
          `a string of ${subject.length} characters is too long to check against pattern ${JSON.stringify(pattern)}`,
        );
      return regex.test(subject);
    },
  };
}
linearRegExp.code = "policyWrapLinearRegExp";

/** A JSON value's text with object keys sorted: equal texts, equal values (as uniqueItems means it). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function uniqueItems(this: unknown, schema: boolean, data: unknown[]): boolean {
  if (!schema) return true;
  const seen = new Set<string>();
  for (const item of data) {
    const text = canonical(item);
    if (seen.has(text)) return false;
    seen.add(text);
  }
  return true;
}

function boundFormats(ajv: Ajv2020): void {
  for (const [name, format] of Object.entries(ajv.formats)) {
    if (format === undefined || format === true) continue;
    const definition = typeof format === "object" && !(format instanceof RegExp) ? format : { type: "string" as const, validate: format };
    if (definition.type === "number" || definition.async) continue;
    const check = definition.validate as RegExp | ((s: string) => boolean);
    const validate = (subject: string): boolean => {
      if (subject.length > MAX_FORMAT_STRING)
        throw new TooLongToCheck(`a string of ${subject.length} characters is too long to check as format "${name}"`);
      return typeof check === "function" ? check(subject) : check.test(subject);
    };
    ajv.addFormat(name, { ...definition, type: "string", validate } as never);
  }
}

/** ajv is loaded only for policies with argument schemas: it is the largest part of start-up. */
export function createArgumentsAjv(): Ajv2020 {
  const { Ajv2020: Ajv } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  const addFormats = (require("ajv-formats") as typeof import("ajv-formats")).default;
  const ajv = new Ajv({ allErrors: true, strict: false, strictSchema: true, ownProperties: true, code: { regExp: linearRegExp } });
  addFormats(ajv);
  boundFormats(ajv);
  ajv.removeKeyword("uniqueItems");
  ajv.addKeyword({ keyword: "uniqueItems", type: "array", schemaType: "boolean", errors: false, validate: uniqueItems });
  return ajv;
}

/** Every property name the schema names (properties, required, dependentRequired, dependentSchemas), at any depth. */
function namedProperties(schema: unknown, names: Set<string>): Set<string> {
  const stack = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    if (typeof node !== "object" || node === null) continue;
    const record = node as Record<string, unknown>;
    for (const key of ["properties", "dependentRequired", "dependentSchemas"]) {
      const named = record[key];
      if (typeof named === "object" && named !== null && !Array.isArray(named)) for (const name of Object.keys(named)) names.add(name);
    }
    for (const list of [
      record.required,
      ...Object.values(typeof record.dependentRequired === "object" && record.dependentRequired !== null ? record.dependentRequired : {}),
    ]) {
      if (Array.isArray(list)) for (const name of list) if (typeof name === "string") names.add(name);
    }
    stack.push(...Object.values(record));
  }
  return names;
}

/** The first key at any depth that folds to a named property without being one, with its JSON Pointer. */
function findFoldedVariant(args: unknown, named: Set<string>, folds: Map<string, string>): { pointer: string; name: string } | undefined {
  const stack: [unknown, string][] = [[args, ""]];
  while (stack.length > 0) {
    const [node, pointer] = stack.pop() as [unknown, string];
    if (typeof node !== "object" || node === null) continue;
    for (const [key, value] of Object.entries(node)) {
      const at = `${pointer}/${escapePointerToken(key)}`;
      if (!Array.isArray(node) && !named.has(key)) {
        const name = folds.get(foldKey(key));
        if (name !== undefined) return { pointer: at, name };
      }
      stack.push([value, at]);
    }
  }
  return undefined;
}

/** Compiles the schema (throws when it does not compile) into a validator with the guarantees above. */
export function compileArgumentsSchema(ajv: Ajv2020, schema: object | boolean): ArgumentsValidator {
  const validate = ajv.compile(schema);
  const named = namedProperties(schema, new Set());
  const folds = new Map([...named].map((name) => [foldKey(name), name]));
  const validator: ArgumentsValidator = (args: unknown): boolean => {
    const variant = folds.size > 0 ? findFoldedVariant(args, named, folds) : undefined;
    if (variant) {
      validator.errors = [
        { instancePath: variant.pointer, message: `is not "${variant.name}", but a case-insensitive server would read it as that` },
      ];
      return false;
    }
    try {
      const valid = validate(args);
      validator.errors = validate.errors;
      return valid;
    } catch (error) {
      if (!(error instanceof TooLongToCheck)) throw error;
      validator.errors = [{ instancePath: "", message: `cannot be checked: ${error.message}` }];
      return false;
    }
  };
  return validator;
}

export interface ArgumentsCompiler {
  /** The validator for the schema (throws when it does not compile). */
  compile(schema: object | boolean): ArgumentsValidator;
  /** The load is over: its validators are the ones the next load may reuse. */
  done(): void;
}

/** The validators of the latest load, by schema text. */
let latestLoad = new Map<string, ArgumentsValidator>();

/**
 * Compiles one load's argument schemas, reusing the validators of the load
 * before for schemas written the same: ajv costs about 0.3 ms a schema, and a
 * reload that changed one rule of a large policy should not stall the relay
 * compiling the rest again. ajv itself is loaded only for the first schema.
 */
export function argumentsCompiler(): ArgumentsCompiler {
  const thisLoad = new Map<string, ArgumentsValidator>();
  let ajv: Ajv2020 | undefined;
  return {
    compile(schema) {
      const key = JSON.stringify(schema);
      const validator = thisLoad.get(key) ?? latestLoad.get(key) ?? compileArgumentsSchema((ajv ??= createArgumentsAjv()), schema);
      thisLoad.set(key, validator);
      return validator;
    },
    done() {
      latestLoad = thisLoad;
    },
  };
}
