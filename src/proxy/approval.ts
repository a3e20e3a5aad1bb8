import type { AskingChannel, ChannelResult } from "../approvals/channel.js";
import { isRecord } from "../jsonrpc/message.js";
import { showJson, visibleJsonText } from "../text/shown-json.js";
import type { ClientRequest, RelayContext } from "./relay-context.js";

// Human approval through MCP elicitation: the wrapper asks the client's user
// with a request of its own. One channel among others (see approvals/): an
// explicit yes or no decides; a dismissed form or a failed request withdraws
// this channel only, and the call goes on waiting wherever else it was asked.

export interface ApprovalQuestion {
  /** How records name the target: a tool's name, `resource:<uri>`, `prompt:<name>`. */
  tool: string;
  /** What the agent wants done (`read the resource "file:///x"`), when it is not calling a tool. */
  what?: string;
  /** The exact JSON text of the arguments (exact-arguments.ts): what the upstream will read once approved. */
  arguments: string;
  server: string;
  /** The pending record's id, when the call can also be decided out of band. */
  approvalId?: string;
  /** `policy-wrap approve <id> ...`, as the user can run it. */
  approveCommand?: string;
}

/**
 * The most text of arguments the client's form shows. A person must see all
 * of what they approve: longer arguments are not asked about in the client,
 * only out of band, where they are shown whole (the dashboard, `approvals --json`).
 */
export const FORM_ARGUMENT_CHARS = 16_000;
/** Clients time requests out (the SDK after 60 s) unless progress resets the timer. */
const PROGRESS_EVERY_MS = 15_000;
const ELICITATION_BY = "the user, in the client";

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

/** The arguments pretty-printed as the upstream will read them, every hidden character escaped (text/shown-json). */
function showArguments(argumentsText: string): string {
  return showJson(argumentsText, 2);
}

/** Whether the form can show the arguments whole. */
export function fitsInForm(question: ApprovalQuestion): boolean {
  return showArguments(question.arguments).length <= FORM_ARGUMENT_CHARS;
}

function questionText(question: ApprovalQuestion): string {
  const elsewhere = question.approveCommand ? `\n\n(Or from a terminal: ${question.approveCommand})` : "";
  // The target and the server's name come from outside: a U+202E in either would make the question read otherwise.
  const what = visibleJsonText(question.what ?? `call ${JSON.stringify(question.tool)}`);
  const server = visibleJsonText(question.server);
  return `The agent wants to ${what} on ${server}.\n\nArguments:\n${showArguments(question.arguments)}\n\nApprove this call?${elsewhere}`;
}

/** What the client's answer means. */
function readAnswer(tool: string, result: unknown): ChannelResult {
  const answer = isRecord(result) ? result : {};
  const content = isRecord(answer.content) ? answer.content : {};
  if (answer.action === "accept" && content.approve === true) return { answer: "approved", channel: "elicitation", by: ELICITATION_BY };
  if (answer.action === "cancel")
    return {
      answer: "withdrawn",
      channel: "elicitation",
      why: "dismissed",
      reason: `The user dismissed the approval request for "${tool}".`,
    };
  return { answer: "declined", channel: "elicitation", by: ELICITATION_BY };
}

export function elicitationChannel(relay: RelayContext, question: ApprovalQuestion): AskingChannel {
  const { tool } = question;
  const failed = (why: string): ChannelResult => ({
    answer: "withdrawn",
    channel: "elicitation",
    why: "failed",
    reason: `The approval request for "${tool}" failed: ${why}.`,
  });
  return {
    name: "elicitation",
    ask(signal) {
      const pending = relay.requestClient("elicitation/create", {
        message: questionText(question),
        requestedSchema: {
          type: "object",
          properties: {
            approve: {
              type: "boolean",
              title: visibleJsonText(`Approve ${tool}`),
              description: visibleJsonText(`Run ${tool} with the arguments shown`),
              default: false,
            },
          },
          required: ["approve"],
        },
      });
      signal.addEventListener("abort", () => pending.cancel(String(signal.reason ?? "answered elsewhere")), { once: true });
      return pending.answer.then(
        (response) => (response.error ? failed(String(response.error.message ?? "error")) : readAnswer(tool, response.result)),
        (error: unknown) => failed(error instanceof Error ? error.message : String(error)),
      );
    },
  };
}

/** While the call waits, tells a client that asked for progress that it is alive; returns the stop. */
export function keepAlive(relay: RelayContext, request: ClientRequest, tool: string, timeoutMs: number): () => void {
  const token = progressTokenOf(request.params);
  if (token === undefined) return () => {};
  let beats = 0;
  const heartbeat = setInterval(
    () =>
      relay.notifyClient("notifications/progress", {
        progressToken: token,
        progress: ++beats,
        message: `Waiting for the user to approve ${tool}`,
      }),
    Math.min(PROGRESS_EVERY_MS, timeoutMs / 4),
  );
  return () => clearInterval(heartbeat);
}
