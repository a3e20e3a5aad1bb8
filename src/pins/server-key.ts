import { hashText } from "./tool-definition.js";

// Which server a pin belongs to. `--server-id` names it outright; otherwise
// the upstream's serverInfo.name with a short hash of the command line that
// started it, so two servers that call themselves alike, started differently,
// keep separate pins. The name is the server's own word: a server that renames
// itself inherits the pins of the server last seen with the same command line
// (see PinStore), so renaming is no way around its pins.

const MAX_NAME = 100;

export interface ServerIdentity {
  /** The key pins are stored under, and the name `policy-wrap pins` takes. */
  key: string;
  /** serverInfo.name, as the server gave it (undefined before initialize, or when it gives none). */
  name: string | undefined;
  command: string[];
  commandHash: string;
  /** Chosen with --server-id: never inherits another key's pins. */
  explicit: boolean;
}

export function identifyServer(command: string[], serverName: string | undefined, serverId: string | undefined): ServerIdentity {
  const commandHash = hashText(JSON.stringify(command));
  if (serverId !== undefined) return { key: serverId, name: serverName, command, commandHash, explicit: true };
  const name = Array.from(serverName ?? "")
    .slice(0, MAX_NAME)
    .join("");
  return { key: `${name}@${commandHash.slice(0, 12)}`, name: serverName, command, commandHash, explicit: false };
}
