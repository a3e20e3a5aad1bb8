// Every diagnostic goes to stderr: stdout belongs to the protocol.

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  enabled(level: LogLevel): boolean;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (name: LogLevel) => {
    const rank = LOG_LEVELS.indexOf(name);
    return (message: string): void => {
      if (rank <= threshold) write(`policy-wrap ${name}: ${message}\n`);
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

/** Shortens untrusted text for a log line: one line, bounded length. */
export function preview(text: string, max = 120): string {
  const flat = text.replace(/[\r\n\t]+/g, " ");
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}
