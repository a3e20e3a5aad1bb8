import type { ApprovalAnswer } from "../events/events.js";
import { isRecord } from "../jsonrpc/message.js";
import type { ClientRequest, RelayContext } from "./relay-context.js";

// Human approval through MCP elicitation: the wrapper asks the client's user
// with a request of its own and forwards the call only on an explicit yes.
// Anything else (no, dismissed, an error, silence) is a refusal.

/** The answer, and for a refusal the words the agent reads. */
export type ApprovalOutcome =
  { answer: "approved" } | { answer: "cancelled" } | { answer: Exclude<ApprovalAnswer, "approved" | "cancelled">; reason: string };

export interface ApprovalQuestion {
  tool: string;
  args: unknown;
  server: string;
  timeoutMs: number;
}

const SHOWN_ARGUMENT_CHARS = 2000;
/** Clients time requests out (the SDK after 60 s) unless progress resets the timer. */
const PROGRESS_EVERY_MS = 15_000;

function progressTokenOf(params: unknown): string | number | undefined {
  const meta = isRecord(params) && isRecord(params._meta) ? params._meta : undefined;
  const token = meta?.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}

/** Form mode is what the wrapper uses: `elicitation: {}` (2025-06-18) or `elicitation: { form: ... }`. */
export function supportsFormElicitation(initializeParams: unknown): boolean {
  if (!isRecord(initializeParams) || !isRecord(initializeParams.capabilities)) return false;
  const elicitation = initializeParams.capabilities.elicitation;
  if (!isRecord(elicitation)) return false;
  return Object.keys(elicitation).length === 0 || isRecord(elicitation.form);
}

function showArguments(args: unknown): string {
  const pretty = JSON.stringify(args ?? {}, null, 2);
  return pretty.length > SHOWN_ARGUMENT_CHARS
    ? `${pretty.slice(0, SHOWN_ARGUMENT_CHARS)}\n... (${pretty.length - SHOWN_ARGUMENT_CHARS} more characters)`
    : pretty;
}

export function askForApproval(relay: RelayContext, request: ClientRequest, question: ApprovalQuestion): Promise<ApprovalOutcome> {
  const { tool, server, timeoutMs } = question;
  const pending = relay.requestClient("elicitation/create", {
    message: `The agent wants to call "${tool}" on ${server}.\n\nArguments:\n${showArguments(question.args)}\n\nApprove this call?`,
    requestedSchema: {
      type: "object",
      properties: {
        approve: { type: "boolean", title: `Approve ${tool}`, description: `Run ${tool} with the arguments shown`, default: false },
      },
      required: ["approve"],
    },
  });
  return new Promise<ApprovalOutcome>((resolve) => {
    const timer = setTimeout(() => {
      finish({ answer: "timed_out", reason: `No one approved the call to "${tool}" within ${Math.round(timeoutMs / 1000)} s.` });
      pending.cancel("approval timed out");
    }, timeoutMs);
    // While the user decides, tell a client that asked for progress that the call is alive.
    const token = progressTokenOf(request.params);
    let beats = 0;
    const heartbeat =
      token === undefined
        ? undefined
        : setInterval(
            () =>
              relay.notifyClient("notifications/progress", {
                progressToken: token,
                progress: ++beats,
                message: `Waiting for the user to approve ${tool}`,
              }),
            Math.min(PROGRESS_EVERY_MS, timeoutMs / 4),
          );
    const finish = (outcome: ApprovalOutcome) => {
      clearTimeout(timer);
      clearInterval(heartbeat);
      resolve(outcome);
    };
    relay.onCancel(request, () => {
      pending.cancel("the call was cancelled");
      finish({ answer: "cancelled" });
    });
    pending.answer.then(
      (response) => {
        if (response.error) {
          finish({ answer: "failed", reason: `The approval request for "${tool}" failed: ${String(response.error.message ?? "error")}.` });
          return;
        }
        const result = isRecord(response.result) ? response.result : {};
        const content = isRecord(result.content) ? result.content : {};
        if (result.action === "accept" && content.approve === true) finish({ answer: "approved" });
        else if (result.action === "cancel")
          finish({ answer: "dismissed", reason: `The user dismissed the approval request for "${tool}".` });
        else finish({ answer: "declined", reason: `The user declined the call to "${tool}".` });
      },
      (error: unknown) =>
        finish({
          answer: "failed",
          reason: `The approval request for "${tool}" failed: ${error instanceof Error ? error.message : String(error)}.`,
        }),
    );
  });
}
