// Why a server could not be inspected, in words for the person who ran
// `init`, `explain` or `validate --against`.

export type InspectFailure =
  /** The command could not be started at all. */
  | "start"
  /** It exited before answering. */
  | "exit"
  /** It did not answer in time. */
  | "timeout"
  /** It answered with something that is not MCP. */
  | "protocol"
  /** It answered with a JSON-RPC error. */
  | "refused";

export class InspectError extends Error {
  constructor(
    readonly failure: InspectFailure,
    message: string,
  ) {
    super(message);
    this.name = "InspectError";
  }
}
