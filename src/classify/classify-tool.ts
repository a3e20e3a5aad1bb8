import { splitWords, type Word } from "./split-words.js";
import { JOINING_WORDS, MIN_COMPOUND_PART, riskRank, VERBS, type RiskClass, type ToolClass } from "./verbs.js";

// A tool's risk class from its name and its annotations, and the evidence for
// it. Pure: the same definition always gets the same answer.
//
// The name decides first: the first word that is a known verb (`InfluxDBCreateOrg`
// is a create), or failing that a verb at either end of a longer word
// (`json_arrappend` is an append). Verbs joined by and/or/then all count,
// and a destructive word anywhere raises the tool, so `get_or_delete` is not a read.
// Annotations are the server's own untrusted hints: they may raise a tool's
// class, never lower it.

export interface Classification {
  name: string;
  class: ToolClass;
  /** Why, one phrase per fact, in the order they were weighed. */
  evidence: string[];
}

const TABLE = new Map<string, RiskClass>();
for (const [riskClass, words] of Object.entries(VERBS) as [RiskClass, readonly string[]][]) {
  for (const word of words) TABLE.set(word, riskClass);
}

interface Found {
  riskClass: RiskClass;
  phrase: string;
  /** Index of the word in the name. */
  at?: number;
}

const quoted = (text: string) => JSON.stringify(text);

function exactVerb(word: Word): Found | undefined {
  const riskClass = TABLE.get(word.key);
  return riskClass && { riskClass, phrase: `${riskClass} verb ${quoted(word.text)}` };
}

function compoundVerb(word: Word): Found | undefined {
  let best: (Found & { length: number }) | undefined;
  for (const [verb, riskClass] of TABLE) {
    if (verb.length < MIN_COMPOUND_PART || word.key.length - verb.length < MIN_COMPOUND_PART) continue;
    if (!word.key.startsWith(verb) && !word.key.endsWith(verb)) continue;
    if (best && best.length >= verb.length) continue;
    best = { riskClass, length: verb.length, phrase: `${riskClass} verb ${quoted(verb)} in ${quoted(word.text)}` };
  }
  return best;
}

/** The verbs of a name: the first one found, plus any joined to it by and/or/then. */
function verbsOf(words: Word[]): Found[] {
  let first = words.findIndex((word) => exactVerb(word));
  let find = exactVerb;
  if (first === -1) {
    first = words.findIndex((word) => compoundVerb(word));
    find = compoundVerb;
  }
  if (first === -1) return [];
  const found: Found[] = [{ ...(find(words[first] as Word) as Found), at: first }];
  for (let i = first + 1; i + 1 < words.length; i++) {
    if (!JOINING_WORDS.includes((words[i] as Word).key)) continue;
    const joined = exactVerb(words[i + 1] as Word);
    if (joined)
      found.push({ riskClass: joined.riskClass, phrase: `${joined.phrase} joined by ${quoted((words[i] as Word).text)}`, at: i + 1 });
  }
  return found;
}

/** A hint counts as set when it says so plainly, whatever JSON type the server chose. */
function says(value: unknown, wanted: boolean): boolean {
  if (typeof value === "boolean") return value === wanted;
  if (typeof value === "number") return value === (wanted ? 1 : 0);
  if (typeof value === "string") return value.trim().toLowerCase() === String(wanted);
  return false;
}

/**
 * Whether any spelling of the hint says so. A key that differs only in case
 * (`DestructiveHint`) counts too: a hint can only raise risk, so reading it
 * generously costs nothing.
 */
function hintSays(tool: Record<string, unknown>, hint: string, wanted: boolean): boolean {
  const annotations = tool.annotations;
  if (typeof annotations !== "object" || annotations === null || Array.isArray(annotations)) return false;
  return Object.entries(annotations).some(([key, value]) => key.toLowerCase() === hint.toLowerCase() && says(value, wanted));
}

export function classifyTool(tool: Record<string, unknown>): Classification {
  const name = typeof tool.name === "string" ? tool.name : "";
  const words = splitWords(name);
  const evidence: string[] = [];
  let current = "unknown" as ToolClass;
  const raise = (riskClass: RiskClass) => {
    if (current === "unknown" || riskRank(riskClass) > riskRank(current)) current = riskClass;
  };

  const verbs = verbsOf(words);
  for (const verb of verbs) {
    raise(verb.riskClass);
    evidence.push(verb.phrase);
  }
  if (verbs.length === 0) evidence.push("no known verb in the name");
  const destructiveWord = words.find((word, i) => TABLE.get(word.key) === "destructive" && !verbs.some((v) => v.at === i));
  if (destructiveWord && current !== "destructive") {
    raise("destructive");
    evidence.push(`destructive word ${quoted(destructiveWord.text)} later in the name`);
  }

  if (hintSays(tool, "destructiveHint", true)) {
    evidence.push(current === "destructive" ? "destructiveHint: true agrees" : "destructiveHint: true raises it");
    raise("destructive");
  } else if (hintSays(tool, "destructiveHint", false) && current === "destructive") {
    evidence.push("destructiveHint: false ignored (hints never lower risk)");
  }
  if (hintSays(tool, "readOnlyHint", false) && current === "read") {
    raise("write");
    evidence.push("readOnlyHint: false raises it (the server says it changes things)");
  } else if (hintSays(tool, "readOnlyHint", false) && current === "unknown") {
    evidence.push("readOnlyHint: false (the server says it changes things)");
  } else if (hintSays(tool, "readOnlyHint", true) && current !== "read") {
    evidence.push("readOnlyHint: true ignored (hints never lower risk)");
  }
  return { name, class: current, evidence };
}
