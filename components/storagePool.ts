/**
 * A storage pool and the base volumes of the images kept in it.
 */
import * as pulumi from "../provider/programSdk";
import * as libvirt from "../provider/sdk";
import type { ImageSpec, PoolSpec } from "../fleet/spec";
import { planImageVolume, planPool } from "./plan";

export interface StoragePoolArgs {
  pool: PoolSpec;
  /** Images whose base volume lives in this pool. */
  images: ImageSpec[];
  /** libvirt URI of the host. */
  uri: string;
  /** The UUID of the pool to take over (`adopt: true`). */
  adoptId?: string;
}

export class StoragePool extends pulumi.ComponentResource {
  readonly uuid: pulumi.Output<string>;
  readonly path: pulumi.Output<string>;
  /** Base volumes by image name. */
  readonly images: Record<string, libvirt.Volume>;

  constructor(name: string, args: StoragePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("deskfleet:fleet:StoragePool", name, {}, opts);
    const pool = new libvirt.StoragePool(name, planPool(args.pool, args.uri), {
      parent: this,
      ...(args.adoptId !== undefined ? { import: args.adoptId } : {}),
    });
    this.uuid = pool.uuid;
    this.path = pool.path;
    this.images = Object.fromEntries(
      args.images.map((image) => [
        image.name,
        new libvirt.Volume(`${name}-${image.name}`, planImageVolume(image, args.uri), {
          parent: this,
          dependsOn: [pool],
        }),
      ]),
    );
    this.registerOutputs({ uuid: this.uuid, path: this.path });
  }
}
