// Text from an upstream made visible for a terminal: a changed description is
// exactly where an attacker hides instructions in characters a person cannot
// see. Every control, format (zero-width, bidi, tag characters), private-use,
// unassigned, separator and variation-selector character, every lone
// surrogate, and any space other than U+0020, is shown as \u{XXXX}; a
// backslash as \\, so that an escape cannot be forged by the text itself.

const HIDDEN =
  /\\|[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Cs}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}\u{180B}-\u{180F}\u{115F}\u{1160}\u{3164}\u{FFA0}\u{2800}]|(?! )\p{Zs}/gu;

export function visibleText(text: string): string {
  return text.replace(HIDDEN, (char) => (char === "\\" ? "\\\\" : `\\u{${(char.codePointAt(0) as number).toString(16).toUpperCase()}}`));
}
