/**
 * The runner's SnapshotHost on a real libvirt daemon, through deskfleet's own
 * client: guests and their policies from domain metadata, snapshots (with
 * descriptions for `autosnap_` names only), and how each guest's next snapshot
 * would be taken, or why it cannot be now (its state, firmware, disks, pools).
 */
import { dropNvram } from "./nvramCopy";
import type { DomainRef, LibvirtClient } from "../libvirt";
import type { GuestOnHost, ListedSnapshot, RunStatus, SnapshotHost } from "./host";
import { AUTOSNAP_PREFIX } from "./names";
import type { SnapshotPolicy } from "./policy";
import { parseSnapshotXml } from "../xml/snapshot";
import { nextKindInWords, readPolicy, readRunStatus, takeSnapshot, writeRunStatus } from "./take";

export class LibvirtSnapshotHost implements SnapshotHost {
  private readonly domains = new Map<string, DomainRef>();

  constructor(private readonly conn: LibvirtClient) {}

  async guests(only?: readonly string[]): Promise<GuestOnHost[]> {
    const all = await this.conn.listAllDomains(0);
    const doms = only ? all.filter((d) => only.includes(d.name)) : all;
    const guests: GuestOnHost[] = [];
    for (const dom of doms.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      this.domains.set(dom.name, dom);
      guests.push(await this.guest(dom));
    }
    return guests;
  }

  private async guest(dom: DomainRef): Promise<GuestOnHost> {
    const snapshots = await this.snapshots(dom);
    const lastRun = await readRunStatus(this.conn, dom);
    let policy: SnapshotPolicy | undefined;
    try {
      policy = await readPolicy(this.conn, dom);
    } catch (err) {
      // A policy it cannot read: nothing is taken or pruned, and status says why.
      const policyError = err instanceof Error ? err.message : String(err);
      return { name: dom.name, snapshots, policyError, ...(lastRun ? { lastRun } : {}) };
    }
    const kind = policy ? await this.kind(dom, policy) : undefined;
    return {
      name: dom.name,
      ...(policy ? { policy } : {}),
      snapshots,
      ...(kind?.blocked !== undefined ? { blocked: kind.blocked } : {}),
      ...(kind?.takes !== undefined ? { takes: kind.takes } : {}),
      ...(lastRun ? { lastRun } : {}),
    };
  }

  private async snapshots(dom: DomainRef): Promise<ListedSnapshot[]> {
    const refs = await this.conn.domainListAllSnapshots(dom, 0);
    const listed: ListedSnapshot[] = [];
    for (const ref of refs) {
      if (!ref.name.startsWith(AUTOSNAP_PREFIX)) {
        listed.push({ name: ref.name });
        continue;
      }
      const xml = await this.conn.domainSnapshotGetXmlDesc(ref, 0);
      listed.push({ name: ref.name, description: parseSnapshotXml(xml).description });
    }
    return listed;
  }

  /**
   * How the next snapshot would be taken and why, or why none can be taken
   * now: the guest's state, firmware or disks, or a pool too full.
   */
  private async kind(
    dom: DomainRef,
    policy: SnapshotPolicy,
  ): Promise<{ takes?: string; blocked?: string }> {
    const next = await nextKindInWords(this.conn, dom, policy.memory);
    if ("blocked" in next) return next;
    const { takes, facts } = next;
    if (policy.maxPoolUsage >= 100) return { takes };
    const pools = new Set(facts.disks.flatMap((d) => (d.pool !== undefined ? [d.pool] : [])));
    for (const name of pools) {
      const info = await this.conn.storagePoolGetInfo(
        await this.conn.storagePoolLookupByName(name),
      );
      if (info.capacity === 0n) continue;
      const used = Number((info.allocation * 1000n) / info.capacity) / 10;
      if (used > policy.maxPoolUsage) {
        return { takes, blocked: `pool ${name} is ${used}% full (limit ${policy.maxPoolUsage}%)` };
      }
    }
    return { takes };
  }

  async createSnapshot(
    guest: string,
    name: string,
    description: string,
    memory: boolean,
  ): Promise<string> {
    const dom = await this.domain(guest);
    return (await takeSnapshot(this.conn, dom, name, description, { memory })).mode;
  }

  async deleteSnapshot(guest: string, name: string): Promise<void> {
    const dom = await this.domain(guest);
    const snap = await this.conn.domainSnapshotLookupByName(dom, name, 0);
    await this.conn.domainSnapshotDelete(snap, 0);
    await dropNvram(this.conn, dom, [name]);
  }

  async recordStatus(guest: string, status: RunStatus): Promise<void> {
    await writeRunStatus(this.conn, await this.domain(guest), status);
  }

  private async domain(name: string): Promise<DomainRef> {
    return this.domains.get(name) ?? this.conn.domainLookupByName(name);
  }
}
