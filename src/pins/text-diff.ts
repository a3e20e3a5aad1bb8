// Differences between two texts for a person to read: by line, and within a
// line that changed, by word. A longest-common-subsequence table, bounded so
// that a hostile megabyte description costs bounded work (past the bound the
// whole text counts as replaced).

export type DiffOp = { op: "same" | "removed" | "added"; text: string };

/** Cells of the comparison table; past this, the texts are shown as replaced whole. */
const MAX_CELLS = 4_000_000;

export function diffSequences(before: readonly string[], after: readonly string[]): DiffOp[] {
  // Common ends first: most changes touch a small middle.
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  const head = before.slice(0, start).map((text): DiffOp => ({ op: "same", text }));
  const tail = before.slice(endB).map((text): DiffOp => ({ op: "same", text }));
  const b = before.slice(start, endB);
  const a = after.slice(start, endA);
  return [...head, ...diffMiddle(b, a), ...tail];
}

function diffMiddle(b: readonly string[], a: readonly string[]): DiffOp[] {
  if ((b.length + 1) * (a.length + 1) > MAX_CELLS) {
    return [...b.map((text): DiffOp => ({ op: "removed", text })), ...a.map((text): DiffOp => ({ op: "added", text }))];
  }
  const cols = a.length + 1;
  // lcs[i][j]: the longest common subsequence of b[i..] and a[j..].
  const lcs = new Uint32Array((b.length + 1) * cols);
  for (let i = b.length - 1; i >= 0; i--)
    for (let j = a.length - 1; j >= 0; j--)
      lcs[i * cols + j] =
        b[i] === a[j]
          ? (lcs[(i + 1) * cols + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * cols + j] as number, lcs[i * cols + j + 1] as number);
  const ops: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < b.length && j < a.length) {
    if (b[i] === a[j]) {
      ops.push({ op: "same", text: b[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * cols + j] as number) >= (lcs[i * cols + j + 1] as number))
      ops.push({ op: "removed", text: b[i++] as string });
    else ops.push({ op: "added", text: a[j++] as string });
  }
  while (i < b.length) ops.push({ op: "removed", text: b[i++] as string });
  while (j < a.length) ops.push({ op: "added", text: a[j++] as string });
  return ops;
}

export function diffLines(before: string, after: string): DiffOp[] {
  return diffSequences(before.split("\n"), after.split("\n"));
}

/** Words and the spaces between them, so that joining the ops' texts gives the texts back. */
export function diffWords(before: string, after: string): DiffOp[] {
  const words = (text: string) => text.split(/(\s+)/).filter((part) => part !== "");
  return merge(diffSequences(words(before), words(after)));
}

/** Neighbouring ops of one kind as one, for shorter output. */
function merge(ops: DiffOp[]): DiffOp[] {
  const merged: DiffOp[] = [];
  for (const op of ops) {
    const last = merged[merged.length - 1];
    if (last && last.op === op.op) last.text += op.text;
    else merged.push({ ...op });
  }
  return merged;
}
