import type { CompiledPolicy, Mode } from "../policy/types.js";

/** The compiled policy the gate applies, when the gate adopted it (which orders counter definitions), and the mode it runs in. */
export interface PolicyInForce {
  policy: CompiledPolicy;
  epoch: number;
  mode: Mode;
}

/**
 * The mode a policy runs in, given the command line's --mode (undefined when
 * not given). An explicit enforce wins from either side: a policy author's
 * "mode": "enforce" cannot be loosened by a flag, and `--mode enforce` turns a
 * policy still marked "monitor" into an enforcing one. Otherwise monitor
 * applies when either asks for it.
 */
export function effectiveMode(flag: Mode | undefined, policy: CompiledPolicy): Mode {
  if (flag === "enforce" || policy.mode === "enforce") return "enforce";
  return flag === "monitor" || policy.mode === "monitor" ? "monitor" : "enforce";
}
