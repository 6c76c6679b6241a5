/**
 * One shared connection per URI for the whole provider process: the engine
 * calls create/read/update/delete for many resources concurrently, and a
 * single connection multiplexes them (calls are matched by serial), just as
 * one virConnect would.
 *
 * The cache holds the promise, so concurrent first callers share one
 * connect. A failed connect or a connection that later dies is dropped from
 * the cache, so the next call reconnects instead of reusing a corpse.
 */
import { LibvirtClient } from "./client";

const connections = new Map<string, Promise<LibvirtClient>>();

/** The shared client for `uri`, connecting on first use (and again after a failure). */
export function getConnection(uri: string): Promise<LibvirtClient> {
  const cached = connections.get(uri);
  if (cached !== undefined) return cached;
  const connecting = LibvirtClient.connect(uri).then(
    (client) => {
      client.onClose(() => {
        if (connections.get(uri) === connecting) connections.delete(uri);
      });
      return client;
    },
    (err: unknown) => {
      if (connections.get(uri) === connecting) connections.delete(uri);
      throw err;
    },
  );
  connections.set(uri, connecting);
  return connecting;
}

/** Closes every shared connection (at provider shutdown, or between tests). */
export async function closeAll(): Promise<void> {
  const pending = [...connections.values()];
  connections.clear();
  await Promise.all(
    pending.map(async (p) => {
      const client = await p.catch(() => undefined);
      await client?.close();
    }),
  );
}
