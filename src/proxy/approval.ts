import { isRecord } from "../jsonrpc/message.js";
import type { ClientRequest, RelayContext } from "./relay.js";

// Human approval through MCP elicitation: the wrapper asks the client's user
// with a request of its own and forwards the call only on an explicit yes.
// Anything else (no, dismissed, an error, silence) is a refusal.

export type ApprovalOutcome = { approved: true } | { approved: false; reason: string } | { cancelled: true };

export interface ApprovalQuestion {
  tool: string;
  args: unknown;
  server: string;
  timeoutMs: number;
}

const SHOWN_ARGUMENT_CHARS = 2000;

/** Form mode is what the wrapper uses: `elicitation: {}` (2025-06-18) or `elicitation: { form: ... }`. */
export function supportsFormElicitation(initializeParams: unknown): boolean {
  if (!isRecord(initializeParams) || !isRecord(initializeParams.capabilities)) return false;
  const elicitation = initializeParams.capabilities.elicitation;
  if (!isRecord(elicitation)) return false;
  return Object.keys(elicitation).length === 0 || isRecord(elicitation.form);
}

function showArguments(args: unknown): string {
  const pretty = JSON.stringify(args ?? {}, null, 2);
  return pretty.length > SHOWN_ARGUMENT_CHARS ? `${pretty.slice(0, SHOWN_ARGUMENT_CHARS)}\n... (${pretty.length - SHOWN_ARGUMENT_CHARS} more characters)` : pretty;
}

export function askForApproval(relay: RelayContext, request: ClientRequest, question: ApprovalQuestion): Promise<ApprovalOutcome> {
  const { tool, server, timeoutMs } = question;
  const pending = relay.requestClient("elicitation/create", {
    message: `The agent wants to call "${tool}" on ${server}.\n\nArguments:\n${showArguments(question.args)}\n\nApprove this call?`,
    requestedSchema: {
      type: "object",
      properties: { approve: { type: "boolean", title: `Approve ${tool}`, description: `Run ${tool} with the arguments shown`, default: false } },
      required: ["approve"],
    },
  });
  return new Promise<ApprovalOutcome>((resolve) => {
    const timer = setTimeout(() => {
      pending.cancel("approval timed out");
      resolve({ approved: false, reason: `No one approved the call to "${tool}" within ${Math.round(timeoutMs / 1000)} s.` });
    }, timeoutMs);
    const finish = (outcome: ApprovalOutcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    relay.onCancel(request, () => {
      pending.cancel("the call was cancelled");
      finish({ cancelled: true });
    });
    pending.answer.then(
      (response) => {
        if (response.error) {
          finish({ approved: false, reason: `The approval request for "${tool}" failed: ${String(response.error.message ?? "error")}.` });
          return;
        }
        const result = isRecord(response.result) ? response.result : {};
        const content = isRecord(result.content) ? result.content : {};
        if (result.action === "accept" && content.approve === true) finish({ approved: true });
        else if (result.action === "cancel") finish({ approved: false, reason: `The user dismissed the approval request for "${tool}".` });
        else finish({ approved: false, reason: `The user declined the call to "${tool}".` });
      },
      (error: unknown) => finish({ approved: false, reason: `The approval request for "${tool}" failed: ${error instanceof Error ? error.message : String(error)}.` }),
    );
  });
}
