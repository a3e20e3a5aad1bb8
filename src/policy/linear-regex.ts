import { setFlagsFromString } from "node:v8";

// Conditions run user-written regexes against agent-written arguments. V8's
// linear-time engine (the `l` flag) cannot backtrack catastrophically; patterns
// it cannot run (backreferences, lookaround) are refused at load instead.
setFlagsFromString("--enable-experimental-regexp-engine");

export function compileLinearRegex(source: string): { regex: RegExp } | { error: string } {
  try {
    return { regex: new RegExp(source, "l") };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes("linear time")) {
      return {
        error: `regex ${JSON.stringify(source)} needs backtracking (backreferences or lookaround), which policy-wrap refuses so that no argument can hang it`,
      };
    }
    return { error: `regex ${JSON.stringify(source)} does not compile: ${message.replace(/^Invalid regular expression: /, "")}` };
  }
}
