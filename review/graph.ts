/**
 * The fleet after the change, as a graph: per host its networks, guests and
 * their disks, each added, changed, removed or the same. What is removed stays
 * in the graph (drawn apart), so the reviewer sees what goes.
 */
import { formatBytes } from "../units/size";
import type { Props, Step } from "./preview";
import { DOMAIN, NETWORK, VOLUME, diskName, guestOf, hostOf } from "./kinds";

export type Status = "added" | "changed" | "removed" | "same";

export interface GraphNode {
  id: string;
  kind: "network" | "guest" | "disk";
  host: string;
  label: string;
  status: Status;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** An edge to or from what is removed. */
  removed: boolean;
}

export interface FleetGraph {
  hosts: string[];
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function statusOf(op: string): Status {
  switch (op) {
    case "create":
    case "import":
      return "added";
    case "delete":
      return "removed";
    case "update":
    case "replace":
      return "changed";
    default:
      return "same";
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const after = (st: Step): Props => (st.op === "delete" ? st.olds : st.news) ?? {};

/** The networks a guest's interfaces name. */
function networksOf(p: Props): string[] {
  if (!Array.isArray(p.interfaces)) return [];
  return p.interfaces.flatMap((i) => {
    const net = str((i as Props | null)?.network);
    return net !== undefined ? [net] : [];
  });
}

export function fleetGraph(steps: readonly Step[]): FleetGraph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const add = (key: string, node: Omit<GraphNode, "id">): GraphNode => {
    const found = nodes.get(key);
    if (found) {
      // A node named before its own step (a guest's network) takes that step's status.
      if (found.status === "same") found.status = node.status;
      return found;
    }
    const made = { id: `n${nodes.size}`, ...node };
    nodes.set(key, made);
    return made;
  };
  const relevant = steps.filter((st) => [DOMAIN, NETWORK, VOLUME].includes(st.type));
  // Networks first, so a guest's edge finds its network's node.
  const order = (st: Step) => [NETWORK, DOMAIN, VOLUME].indexOf(st.type);
  for (const st of [...relevant].sort((a, b) => order(a) - order(b))) {
    const p = after(st);
    const host = hostOf(st);
    const status = statusOf(st.op);
    if (st.type === NETWORK) {
      const name = str(p.name) ?? st.name;
      add(`net ${host} ${name}`, { kind: "network", host, label: `network ${name}`, status });
    } else if (st.type === DOMAIN) {
      const name = str(p.name) ?? st.name;
      const guest = add(`guest ${host} ${name}`, { kind: "guest", host, label: name, status });
      for (const net of networksOf(p)) {
        const key = `net ${host} ${net}`;
        const network = add(key, {
          kind: "network",
          host,
          label: `network ${net}`,
          status: "same",
        });
        edges.push({ from: guest.id, to: network.id, removed: status === "removed" });
      }
    } else {
      const guestName = guestOf(st);
      // Images and seeds are not disks a reviewer follows; overlays and blank disks are.
      if (guestName === undefined || p.iso !== undefined) continue;
      const disk = diskName(st, guestName);
      const size = typeof p.capacity === "number" ? ` ${formatBytes(p.capacity)}` : "";
      const node = add(`disk ${st.urn}`, { kind: "disk", host, label: `${disk}${size}`, status });
      const guest = nodes.get(`guest ${host} ${guestName}`);
      if (guest) edges.push({ from: guest.id, to: node.id, removed: status === "removed" });
    }
  }
  const list = [...nodes.values()];
  return { hosts: [...new Set(list.map((n) => n.host))].sort(), nodes: list, edges };
}
