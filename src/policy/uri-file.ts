import { Unreadable } from "./uri-escapes.js";

// What servers make of a file URI's path beyond the URI rules (uri.ts): a
// server on Windows opens `C:\Users\me\.aws::$INDEX_ALLOCATION\credentials`
// and `C:\Users\me\.gitconfig::$DATA` as the folder and file without the
// stream suffix, `AWS~1` as whichever long name the volume gave that short
// name, and `\\server\share`, `\\?\C:\...` and `\\.\C:\...` as another
// machine's file or any file at all by a device path. A server that strips
// `file:` and opens the rest opens `file:.aws/x` relative to its own folder,
// and one that expands `~` opens `file:///~/.aws/x` in a home folder. Stream
// suffixes are dropped; the rest is refused: no reading of the URI alone says
// which file it names.

/** A drive as the first segment: `C:`, or `C|` as older file URIs write it (a WHATWG URL parser reads it as `C:`). */
const DRIVE = /^[A-Za-z][:|]$/;
/** A drive at the start of a file URI's rest (`file:C:/x`), which is absolute without a leading slash. */
const DRIVE_START = /^[A-Za-z][:|](?:[/\\]|%2F|%5C|$)/i;
/** A short (8.3) name: up to six characters, `~`, a number, and an extension of up to three. */
const SHORT_NAME = /^[^.~]{1,6}~[0-9]{1,6}(?:\.[^.]{1,3})?$/;
/** A separator as some reader of a file URI's path takes it: `/`, `\`, or either percent-encoded. */
const SEPARATORS = /^(?:\/|\\|%2F|%5C)+/i;

/**
 * Refuses a file URI (the text after `file:`) whose path is relative (no
 * leading separator and no drive), or a UNC or device path: four or more
 * leading separators, any leading separator written as a backslash or
 * percent-encoded, or two or more after an authority.
 */
export function checkFileLead(rest: string): void {
  const lead = SEPARATORS.exec(rest)?.[0] ?? "";
  if (lead === "" && !DRIVE_START.test(rest)) throw new Unreadable(RELATIVE_PATH);
  const plain = /^\/*$/.test(lead);
  if (!plain || lead.length >= 4) throw new Unreadable(NETWORK_PATH);
  if (lead.length !== 2) return;
  const slash = rest.slice(2).search(/[/\\?#]|%2F|%5C/i);
  if (slash === -1) return;
  const path = rest.slice(2 + slash);
  const after = SEPARATORS.exec(path)?.[0] ?? "";
  if (after.length > 1) throw new Unreadable(NETWORK_PATH);
}

const RELATIVE_PATH =
  "is a relative file path (file:x, with no / after file:): a server that strips file: opens it relative to its own folder";
const HOME_PATH = "starts with ~: a server that expands it opens a file in a home folder";

const NETWORK_PATH =
  "is a file URI whose path starts like a network or device path (//server/share, \\\\?\\C:): a server on Windows opens another machine's file, or any file by another name";

/**
 * One segment of a file path as Windows opens it: the drive as `C:` (when no
 * segment came before), a stream suffix dropped, then trailing dots and
 * spaces (unless the segment is `.` or `..`); a short name is refused.
 */
export function windowsSegment(segment: string, first: boolean): string {
  if (first && DRIVE.test(segment)) return `${segment[0]}:`;
  if (first && segment.startsWith("~")) throw new Unreadable(HOME_PATH);
  const name = segment.includes(":") ? segment.slice(0, segment.indexOf(":")) : segment;
  if (name === "." || name === "..") return name;
  const trimmed = name.replace(/[. ]+$/, "");
  if (SHORT_NAME.test(trimmed))
    throw new Unreadable(
      `has the segment ${JSON.stringify(trimmed)}, shaped like a Windows short (8.3) name, which opens another name's file`,
    );
  return trimmed;
}
