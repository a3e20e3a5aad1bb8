import type { ByteParts } from "./byte-parts.js";
import { isSpace, skipString, skipValue, type Envelope } from "./scan-envelope.js";

// Whether a large answer's result says `"isError": true`, read from its bytes
// without parsing the result (which may be 64 MB of text). Only the result
// object's own top-level members are looked at.

const TRUE = [0x74, 0x72, 0x75, 0x65];

export function resultIsError(buf: ByteParts, envelope: Envelope): boolean {
  const range = envelope.members.get("result");
  if (!range) return false;
  let i = range[0];
  const end = range[1];
  const skipSpace = () => {
    while (i < end && isSpace(buf.at(i))) i++;
  };
  if (buf.at(i) !== 0x7b) return false;
  i++;
  try {
    for (;;) {
      skipSpace();
      if (buf.at(i) !== 0x22) return false;
      const keyEnd = skipString(buf, i);
      const key = JSON.parse(buf.text(i, keyEnd)) as string;
      i = keyEnd;
      skipSpace();
      i++; // the colon
      skipSpace();
      const valueEnd = skipValue(buf, i);
      if (key === "isError") return valueEnd - i === 4 && TRUE.every((byte, k) => buf.at(i + k) === byte);
      i = valueEnd;
      skipSpace();
      if (buf.at(i) !== 0x2c) return false;
      i++;
    }
  } catch {
    return false;
  }
}
