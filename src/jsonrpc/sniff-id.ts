// Names the id of a message too large to parse, from its first and last bytes
// only, so that an oversized request or response still gets its one answer.
// Both patterns only match where the id is provably a top-level member: right
// after the opening brace (possibly behind "jsonrpc"), or as the last member
// right before the closing brace.

const ID = String.raw`("(?:[^"\\]|\\.){0,200}"|-?\d{1,40})`;
const AT_START = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}\s*[,}]`);
const AT_END = new RegExp(String.raw`[,{]\s*"id"\s*:\s*${ID}\s*\}\s*$`);

export function sniffId(head: Buffer, tail: Buffer): string | null {
  const start = AT_START.exec(head.toString("utf8"));
  if (start?.[1] !== undefined) return start[1];
  const end = AT_END.exec(tail.toString("utf8"));
  return end?.[1] ?? null;
}
