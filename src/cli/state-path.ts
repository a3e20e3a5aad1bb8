import { join } from "node:path";
import envPaths from "env-paths";

/** The per-user data directory: XDG on Linux, Application Support on macOS, LocalAppData on Windows. */
export function defaultStatePath(): string {
  return join(envPaths("policy-wrap", { suffix: "" }).data, "state.db");
}

/** The audit trail's default file: beside the default state file, where `policy-wrap log` looks. */
export function defaultAuditPath(): string {
  return join(envPaths("policy-wrap", { suffix: "" }).data, "audit.db");
}
