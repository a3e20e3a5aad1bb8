// Every diagnostic goes to stderr: stdout belongs to the protocol. A log line
// is one line whatever it carries: control characters, line separators and
// bidirectional overrides are escaped here, at the one place lines are
// written, so a tool name or reason from outside can neither forge a line
// nor recolour or reorder the terminal.

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  enabled(level: LogLevel): boolean;
}

// C0 and C1 controls, DEL, U+2028/U+2029, and the bidi embeddings, overrides and isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Text from outside made safe for one terminal line: unsafe characters become visible escapes. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A value from outside, quoted and escaped, so that it cannot pass for the wrapper's own words. */
export function quote(text: string): string {
  return escapeControl(JSON.stringify(text));
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (name: LogLevel) => {
    const rank = LOG_LEVELS.indexOf(name);
    return (message: string): void => {
      if (rank <= threshold) write(`policy-wrap ${name}: ${escapeControl(message)}\n`);
    };
  };
  return {
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
    enabled: (name) => LOG_LEVELS.indexOf(name) <= threshold,
  };
}

/** Shortens untrusted text for a log line: bounded length (the logger escapes it). */
export function preview(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
