// Text from outside made visible for a person: a changed description or the
// arguments of a call waiting for approval are exactly where an attacker hides
// instructions or a second meaning in characters a person cannot see. Every
// control, format (zero-width, bidi, tag characters), private-use, unassigned,
// separator and variation-selector character, every lone surrogate, and any
// space other than U+0020 is hidden in this sense.

/** One character a person cannot see, or that reorders or disguises the text around it. */
export const HIDDEN_CHARACTER =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Cs}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}\u{180B}-\u{180F}\u{115F}\u{1160}\u{3164}\u{FFA0}\u{2800}]|(?! )\p{Zs}/gu;

const HIDDEN_OR_BACKSLASH = new RegExp(`\\\\|${HIDDEN_CHARACTER.source}`, "gu");

/** Each hidden character shown as \u{XXXX}, and a backslash as \\, so that an escape cannot be forged by the text itself. */
export function visibleText(text: string): string {
  return text.replace(HIDDEN_OR_BACKSLASH, (char) =>
    char === "\\" ? "\\\\" : `\\u{${(char.codePointAt(0) as number).toString(16).toUpperCase()}}`,
  );
}
