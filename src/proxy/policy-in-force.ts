import type { CompiledPolicy } from "../policy/types.js";

/** The compiled policy the gate applies, and when the gate adopted it (which orders counter definitions). */
export interface PolicyInForce {
  policy: CompiledPolicy;
  epoch: number;
}
