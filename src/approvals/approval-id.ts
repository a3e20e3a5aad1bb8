import { randomBytes } from "node:crypto";

// Approval ids are typed by people (`policy-wrap approve 7kq2m9xd4t`) and must
// not be guessable from one another: 10 random characters of Crockford's
// base32 (no i, l, o, u), 50 bits. Read back case-insensitively.

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
export const APPROVAL_ID_LENGTH = 10;

export function newApprovalId(): string {
  const bytes = randomBytes(APPROVAL_ID_LENGTH);
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte & 31];
  return id;
}

/** The id as stored, or undefined when the text cannot be one (so a typo is told apart from an unknown id). */
export function parseApprovalId(text: string): string | undefined {
  const id = text.trim().toLowerCase();
  return id.length === APPROVAL_ID_LENGTH && [...id].every((c) => ALPHABET.includes(c)) ? id : undefined;
}
