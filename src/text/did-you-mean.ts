// "did you mean ...?" for names a person typed: policy fields, tool names,
// command words. Optimal string alignment distance (Levenshtein plus swapped
// neighbours, the commonest typo), bounded so that only near misses count.

/** Edits (insert, delete, substitute, swap two neighbours) between two strings. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (d[(i - 2) * cols + j - 2] as number) + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] as number;
}

/** How many edits still count as a near miss: one per three characters, at least one, at most three. */
function tolerance(word: string): number {
  return Math.min(3, Math.max(1, Math.floor(word.length / 3)));
}

/**
 * The candidate closest to `word`, if it is a near miss. A candidate that
 * differs only by case or by `-`/`_`/`.` separators always counts
 * (`get_env` for `get-env`); ties go to the first candidate given.
 */
export function suggestName(word: string, candidates: Iterable<string>): string | undefined {
  const loose = (s: string) => s.toLowerCase().replace(/[-_.]/g, "");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = loose(candidate) === loose(word) ? 0.5 : editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= tolerance(word) ? best : undefined;
}
