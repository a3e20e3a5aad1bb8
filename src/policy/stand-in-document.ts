// One pass: `validate` must also report what only compiling finds (operator
// values, regexes, globs, counters, argument schemas) when the schema has
// refused other parts of the file. The parts the schema refused are replaced
// by harmless stand-ins (array items, which keeps every other item's index and
// so its pointer) or removed (object members), so that the rest can be
// compiled for its problems.
//
// The stand-in document exists only to collect problems: its caller has
// already failed the load, and compiles it for nothing else.

const STAND_IN_LIMIT = { counter: "\u0000policy-wrap stand-in", window: "second", max: 1 };
const STAND_IN_CONDITION = { path: "args", op: "exists", value: true };
const STAND_IN_GROUP = { conditions: [] };
const STAND_IN_PATTERN = "policy-wrap-stand-in";
const STAND_IN_ROOT: Record<string, unknown> = { version: "1", default: "deny" };

type Container = Record<string, unknown> | unknown[];

/** A copy of `document` with every refused part replaced or removed, or undefined when nothing is left to compile. */
export function standInDocument(document: unknown, parts: { refused: string[]; unknown: string[] }): Record<string, unknown> | undefined {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return undefined;
  const copy = structuredClone(document) as Record<string, unknown>;
  // Unknown fields go first: nothing compiles them, and their pointers name no stand-in.
  for (const pointer of parts.unknown) removeAt(copy, pointer.split("/").slice(1).map(unescapeToken));
  for (const pointer of parts.refused) replaceRefused(copy, pointer.split("/").slice(1).map(unescapeToken));
  return copy;
}

function removeAt(root: Record<string, unknown>, tokens: string[]): void {
  const parent = tokens.slice(0, -1).reduce<unknown>((node, token) => child(node, token), root);
  removeMember(parent, tokens[tokens.length - 1]);
}

function replaceRefused(root: Record<string, unknown>, tokens: string[]): void {
  const [top, name, field, index, member, inner] = tokens;
  if (top === undefined) return;
  if (tokens.length === 1 || !isContainer(root[top])) {
    if (top in STAND_IN_ROOT) root[top] = STAND_IN_ROOT[top];
    else delete root[top];
    return;
  }
  switch (top) {
    case "hide":
      return replaceItem(root.hide, name, STAND_IN_PATTERN);
    case "all_tools":
      if (name !== "limits" || field === undefined) return removeMember(root.all_tools, name);
      return replaceItem(child(root.all_tools, "limits"), field, STAND_IN_LIMIT);
    case "tools":
    case "resources":
    case "prompts": {
      const rule = child(root[top], name);
      if (field === undefined || !isContainer(rule)) return removeMember(root[top], name);
      if (field === "limits" && index !== undefined) return replaceItem(rule.limits, index, STAND_IN_LIMIT);
      if ((field === "require" || field === "deny_if") && index !== undefined) {
        const group = child(rule[field], index);
        if (member === "conditions" && inner !== undefined && isContainer(group)) {
          return replaceItem(group.conditions, inner, STAND_IN_CONDITION);
        }
        if (member !== undefined && member !== "conditions") return removeMember(group, member);
        return replaceItem(rule[field], index, STAND_IN_GROUP);
      }
      // action, reason, rate_limit, arguments, or a whole list: the rule compiles without it.
      return removeMember(rule, field);
    }
    default:
      return removeMember(root, top);
  }
}

function isContainer(value: unknown): value is Container & Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function child(parent: unknown, key: string | undefined): unknown {
  return isContainer(parent) && key !== undefined ? (parent as Record<string, unknown>)[key] : undefined;
}

function replaceItem(list: unknown, index: string | undefined, standIn: unknown): void {
  if (!Array.isArray(list) || index === undefined || !/^\d+$/.test(index) || Number(index) >= list.length) return;
  list[Number(index)] = structuredClone(standIn);
}

function removeMember(parent: unknown, key: string | undefined): void {
  if (isContainer(parent) && !Array.isArray(parent) && key !== undefined) delete parent[key];
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}
