/**
 * Memory budget per host: the guests that run on a host, together, leave
 * the host a reserve. A workstation that swaps because one more guest
 * started is the most common way a personal fleet hurts.
 *
 * A host's memory comes from the policy config (`hostMemory`, per URI), or
 * else from the host itself (libvirt's node info, over deskfleet's own client,
 * the same way the preview reaches it). The reserve is `reserve` (default
 * 2GiB).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { parseSize, roughSize } from "../units/size";
import { guestsOf } from "./resources";

export interface MemoryBudgetConfig {
  /** Per host URI, its memory, e.g. { "qemu:///system": "32GiB" }. */
  hostMemory?: Record<string, string>;
  /** Memory kept for the host itself and its other programs. */
  reserve?: string;
}

export const DEFAULT_RESERVE = "2GiB";

/** A guest that runs on a host, with its memory (bytes). */
export interface RunningGuest {
  name: string;
  uri: string;
  memory: number;
}

/**
 * One message per host whose running guests take more than its memory less
 * the reserve. Pure: the hosts' memory is given.
 */
export function memoryOverruns(
  guests: readonly RunningGuest[],
  hostMemory: ReadonlyMap<string, number>,
  reserve: number,
): string[] {
  const byHost = new Map<string, RunningGuest[]>();
  for (const g of guests) byHost.set(g.uri, [...(byHost.get(g.uri) ?? []), g]);
  const messages: string[] = [];
  for (const [uri, list] of [...byHost].sort(([a], [b]) => a.localeCompare(b))) {
    const total = hostMemory.get(uri);
    if (total === undefined) continue;
    const used = list.reduce((n, g) => n + g.memory, 0);
    const budget = total - reserve;
    if (used <= budget) continue;
    const each = [...list]
      .sort((a, b) => b.memory - a.memory || a.name.localeCompare(b.name))
      .map((g) => `${g.name} ${roughSize(g.memory)}`)
      .join(", ");
    messages.push(
      `host ${uri}: its running guests would take ${roughSize(used)} (${each}) of its ` +
        `${roughSize(total)}, which leaves less than the ${roughSize(reserve)} kept for the host: ` +
        `give a guest less memory, set one running: false, or change hostMemory/reserve in the policy config`,
    );
  }
  return messages;
}

/** Parses the config's sizes; a bad one is named. */
export function readBudgetConfig(config: MemoryBudgetConfig): {
  hostMemory: Map<string, number>;
  reserve: number;
} {
  const size = (what: string, text: string): number => {
    try {
      return parseSize(text);
    } catch (err) {
      throw new Error(`memory-budget policy config ${what}: ${(err as Error).message}`);
    }
  };
  const hostMemory = new Map(
    Object.entries(config.hostMemory ?? {}).map(([uri, text]) => [
      uri,
      size(`hostMemory["${uri}"]`, text),
    ]),
  );
  return { hostMemory, reserve: size("reserve", config.reserve ?? DEFAULT_RESERVE) };
}

export function memoryBudget(askHost: (uri: string) => Promise<number>): StackValidationPolicy {
  return {
    name: "memory-budget",
    description:
      "The guests running on a host leave it a reserve of memory (hostMemory per URI, reserve; else the host's own figure).",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        hostMemory: { type: "object", additionalProperties: { type: "string" } },
        reserve: { type: "string" },
      },
    },
    validateStack: async (args, reportViolation) => {
      const { hostMemory, reserve } = readBudgetConfig(args.getConfig<MemoryBudgetConfig>());
      const running = guestsOf(args.resources)
        .filter((g) => g.props.running !== false && typeof g.props.memory === "number")
        .map((g) => ({ name: g.name, uri: g.uri, memory: g.props.memory as number }));
      for (const uri of new Set(running.map((g) => g.uri))) {
        if (!hostMemory.has(uri)) hostMemory.set(uri, await askHost(uri));
      }
      for (const message of memoryOverruns(running, hostMemory, reserve)) reportViolation(message);
    },
  };
}
