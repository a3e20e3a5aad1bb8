import { PinStore } from "../pins/pin-store.js";
import type { RecordsFile } from "../records/records-file.js";

// The dashboard's one pin action: accept the changed definition of a tool,
// exactly the one the page showed (its hash). A running wrapper of that server
// lets the tool through within its poll interval and tells its client to list
// again, as after `policy-wrap pins approve`.

const MAX_NAME = 4096;

export function approvePin(records: RecordsFile | undefined, body: unknown): { status: number; body: unknown } {
  const { server, tool, hash } = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const text = (value: unknown) => typeof value === "string" && value.length > 0 && value.length <= MAX_NAME;
  if (!text(server) || !text(tool) || typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash))
    return { status: 400, body: { error: "name the server, the tool and the sha256 of the definition shown" } };
  if (!records) return { status: 404, body: { error: "no pins recorded yet" } };
  const result = new PinStore(records.db, records.file).approve(server as string, [tool as string], Date.now(), hash);
  if (result.mismatched.length > 0)
    return { status: 409, body: { error: "the definition changed again since it was shown; look at it again before approving" } };
  if (result.approved.length === 0) return { status: 404, body: { error: "no change is recorded for this tool of this server" } };
  return { status: 200, body: { approved: result.approved } };
}
