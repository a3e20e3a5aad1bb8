import { Unreadable } from "./uri-escapes.js";

// What Windows makes of a file URI's path, for the resolved reading (uri.ts).
// A server on Windows opens `C:\Users\me\.aws::$INDEX_ALLOCATION\credentials`
// and `C:\Users\me\.gitconfig::$DATA` as the folder and file without the
// stream suffix, `AWS~1` as whichever long name the volume gave that short
// name, and `\\server\share`, `\\?\C:\...` and `\\.\C:\...` as another
// machine's file or any file at all by a device path. Stream suffixes are
// dropped; short names and network or device paths are refused: no reading of
// the URI alone says which file they name.

/** A drive as the first segment: `C:`, or `C|` as older file URIs write it (a WHATWG URL parser reads it as `C:`). */
const DRIVE = /^[A-Za-z][:|]$/;
/** A short (8.3) name: up to six characters, `~`, a number, and an extension of up to three. */
const SHORT_NAME = /^[^.~]{1,6}~[0-9]{1,6}(?:\.[^.]{1,3})?$/;
/** A separator as some reader of a file URI's path takes it: `/`, `\`, or either percent-encoded. */
const SEPARATORS = /^(?:\/|\\|%2F|%5C)+/i;

/**
 * Refuses a file URI (the text after `file:`) whose path is a UNC or device
 * path: four or more leading separators, any leading separator written as a
 * backslash or percent-encoded, or two or more after an authority.
 */
export function checkFileLead(rest: string): void {
  const lead = SEPARATORS.exec(rest)?.[0] ?? "";
  const plain = /^\/*$/.test(lead);
  if (!plain || lead.length >= 4) throw new Unreadable(NETWORK_PATH);
  if (lead.length !== 2) return;
  const slash = rest.slice(2).search(/[/\\?#]|%2F|%5C/i);
  if (slash === -1) return;
  const path = rest.slice(2 + slash);
  const after = SEPARATORS.exec(path)?.[0] ?? "";
  if (after.length > 1) throw new Unreadable(NETWORK_PATH);
}

const NETWORK_PATH =
  "is a file URI whose path starts like a network or device path (//server/share, \\\\?\\C:): a server on Windows opens another machine's file, or any file by another name";

/**
 * One segment of a file path as Windows opens it: the drive as `C:` (when no
 * segment came before), a stream suffix dropped, then trailing dots and
 * spaces (unless the segment is `.` or `..`); a short name is refused.
 */
export function windowsSegment(segment: string, first: boolean): string {
  if (first && DRIVE.test(segment)) return `${segment[0]}:`;
  const name = segment.includes(":") ? segment.slice(0, segment.indexOf(":")) : segment;
  if (name === "." || name === "..") return name;
  const trimmed = name.replace(/[. ]+$/, "");
  if (SHORT_NAME.test(trimmed))
    throw new Unreadable(
      `has the segment ${JSON.stringify(trimmed)}, shaped like a Windows short (8.3) name, which opens another name's file`,
    );
  return trimmed;
}
