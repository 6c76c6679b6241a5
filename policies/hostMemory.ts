/**
 * A host's memory, asked of the host itself through deskfleet's own libvirt
 * client (the preview reaches the same host the same way). Asked once per
 * host per policy run; the connections go when the policy pack's process
 * does.
 */
import { closeAll, getConnection } from "../libvirt";

export async function askHostMemory(uri: string): Promise<number> {
  try {
    const conn = await getConnection(uri);
    return (await conn.nodeGetInfo()).memory;
  } catch (err) {
    await closeAll();
    throw new Error(
      `memory-budget: cannot read the memory of host ${uri} (${(err as Error).message}); ` +
        `set it in the policy config: { "memory-budget": { "hostMemory": { "${uri}": "32GiB" } } }`,
    );
  }
}
