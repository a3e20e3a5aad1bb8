import { isIP } from "node:net";
import type { RedisClientOptions } from "@redis/client";
import type { RedisTarget } from "./redis-url.js";

// How node-redis is set up for a counter store: no offline queue (a check
// queued while reconnecting would run after its caller gave up), reconnection
// with exponential backoff and jitter (up to about 2 s), and a handshake of
// as few round trips as possible.

/** The part of a node-redis client the store uses. */
export interface Client {
  readonly isReady: boolean;
  on(event: string, listener: (arg: unknown) => void): unknown;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
}

export const backoff = (retries: number): number => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100);

export function clientOptions(target: RedisTarget): RedisClientOptions {
  const { socket, username, password, database } = target;
  const common = { connectTimeout: 5000, reconnectStrategy: backoff };
  return {
    socket:
      "path" in socket
        ? { ...common, path: socket.path, tls: false }
        : socket.tls
          ? { ...common, host: socket.host, port: socket.port, tls: true, ...(isIP(socket.host) ? {} : { servername: socket.host }) }
          : { ...common, host: socket.host, port: socket.port, tls: false },
    username,
    password,
    database,
    name: "policy-wrap",
    disableOfflineQueue: true,
    disableClientInfo: true,
    maintNotifications: "disabled",
  };
}
