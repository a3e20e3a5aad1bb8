import { carriesExactNumbers, hasInexactNumbers } from "../json/upstream-numbers.js";
import type { Hold, ListedDefinitions } from "./compare-pins.js";
import { readDefinition, type ReadDefinition, type ToolDefinition } from "./tool-definition.js";

// A listed tools array as definitions: each name with its one readable
// definition, or why it has none (listed twice differently, unreadable).
// Hashing is the work here, so a list is not hashed again when it repeats:
// the same JSON text (per list, then per tool) gives the same definitions.
// JSON.stringify is exact for a tool unless it carries numbers a double
// rounds; those are read every time.

export class DefinitionCache {
  #lastText: string | undefined;
  #lastListed: ListedDefinitions | undefined;
  #last = new Map<string, ReadDefinition>();
  #next = new Map<string, ReadDefinition>();

  /** The list's definitions when its text is the last one's. */
  repeated(text: string | undefined): ListedDefinitions | undefined {
    return text !== undefined && text === this.#lastText ? this.#lastListed : undefined;
  }

  /** `key`: the tool's exact JSON text (undefined: read it every time). */
  read(tool: Record<string, unknown>, name: string, key: string | undefined): ReadDefinition {
    if (key === undefined) return readDefinition(tool, name);
    const read = this.#last.get(key) ?? readDefinition(tool, name);
    this.#next.set(key, read);
    return read;
  }

  /** Keeps only what the list just read held. */
  settle(text: string | undefined, listed: ListedDefinitions): void {
    this.#lastText = text;
    this.#lastListed = listed;
    this.#last = this.#next;
    this.#next = new Map();
  }
}

/** JSON text that tells the tool's definition apart exactly, or undefined (rounded numbers, too deep to write). */
function exactText(tool: Record<string, unknown>): string | undefined {
  if (carriesExactNumbers(tool) || hasInexactNumbers(tool)) return undefined;
  try {
    return JSON.stringify(tool);
  } catch {
    return undefined;
  }
}

export function readListed(tools: readonly Record<string, unknown>[], cache?: DefinitionCache): ListedDefinitions {
  const keys = cache ? tools.map(exactText) : [];
  // One line per tool (JSON text holds no raw line break): the same text is the same list.
  const text = cache && !keys.includes(undefined) ? keys.join("\n") : undefined;
  const repeated = cache?.repeated(text);
  if (repeated) return repeated;
  const definitions = new Map<string, ToolDefinition>();
  const broken = new Map<string, Hold>();
  tools.forEach((tool, i) => {
    const name = tool.name;
    if (typeof name !== "string" || broken.has(name)) return;
    const read = cache ? cache.read(tool, name, keys[i]) : readDefinition(tool, name);
    if (!read.ok) {
      definitions.delete(name);
      broken.set(name, { why: "unreadable", problem: read.problem });
      return;
    }
    const earlier = definitions.get(name);
    if (earlier && earlier.hash !== read.definition.hash) {
      definitions.delete(name);
      broken.set(name, { why: "duplicate", seen: read.definition.hash });
    } else definitions.set(name, read.definition);
  });
  const listed = { definitions, broken };
  cache?.settle(text, listed);
  return listed;
}
