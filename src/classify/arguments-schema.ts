import { compileLinearRegex } from "../policy/linear-regex.js";

// An execute tool's starter rule checks its arguments against the tool's own
// inputSchema. The schema comes from the server, so it is used only where
// that is safe and says so where it is not.

/** The policy file allows 64 levels; the schema sits 3 levels down and keeps a margin. */
const MAX_SCHEMA_DEPTH = 48;

/**
 * Why the schema cannot be used: too deep for a policy file, or the first
 * `pattern` (or `patternProperties` key) that cannot run in linear time. The
 * server wrote these regexes and the agent writes the strings they are run
 * against: one that needs backtracking could hang the wrapper.
 */
function findUnusable(schema: unknown): string | undefined {
  const stack: [unknown, number][] = [[schema, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== "object" || node === null) continue;
    if (depth > MAX_SCHEMA_DEPTH) return `it is nested deeper than ${MAX_SCHEMA_DEPTH} levels, more than a policy file may be`;
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, depth + 1]);
      continue;
    }
    const record = node as Record<string, unknown>;
    const patterns = [
      ...(typeof record.pattern === "string" ? [record.pattern] : []),
      ...(typeof record.patternProperties === "object" && record.patternProperties !== null ? Object.keys(record.patternProperties) : []),
    ];
    for (const pattern of patterns) {
      const compiled = compileLinearRegex(pattern);
      if ("error" in compiled) return compiled.error;
    }
    for (const value of Object.values(record)) stack.push([value, depth + 1]);
  }
  return undefined;
}

/** The tool's own inputSchema as an arguments schema, without the keys that name the document rather than constrain it. */
export function argumentsSchema(tool: Record<string, unknown>, notes: string[]): object | boolean | undefined {
  const schema = tool.inputSchema;
  if (typeof schema === "boolean") return schema;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    notes.push("no inputSchema, so its arguments are not checked");
    return undefined;
  }
  const unusable = findUnusable(schema);
  if (unusable) {
    notes.push(`its inputSchema cannot check arguments (${unusable})`);
    return undefined;
  }
  // Policies check arguments with JSON Schema 2020-12. The keywords whose meaning
  // changed since draft-07 (array items, additionalItems) do not compile there,
  // so such a schema is dropped with a note rather than read differently.
  const { $schema: _dialect, $id, ...rest } = schema as Record<string, unknown>;
  if ($id !== undefined) notes.push("its inputSchema's $id was left out");
  return rest;
}
