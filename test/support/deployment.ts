/**
 * A test file's deployment on a host: registers the hooks that start the host,
 * connect to it and create the Pulumi project before the tests, and destroy
 * the stack, remove the project and the pool's folder and stop the host after
 * them, whatever happened. The returned object is filled in by then.
 */
import { rmSync } from "node:fs";
import type { LibvirtClient } from "../../libvirt";
import { LibvirtClient as Client } from "../../libvirt";
import type { TestHost } from "./hosts";
import type { TestProject } from "./project";
import { createTestProject } from "./project";

export interface Deployment {
  uri: string;
  conn: LibvirtClient;
  project: TestProject;
}

export function useDeployment(
  host: TestHost,
  stackName: string,
  fleetYaml: () => string,
  poolDir: string,
): Deployment {
  const deployment = {} as Deployment;
  beforeAll(async () => {
    // Kept disks of an earlier, interrupted run.
    rmSync(poolDir, { recursive: true, force: true });
    deployment.uri = host.start();
    deployment.conn = await Client.connect(deployment.uri);
    deployment.project = await createTestProject(stackName, fleetYaml(), deployment.uri);
  });
  afterAll(async () => {
    // Optional chaining: a failed beforeAll may have left any of them unset.
    const { project, conn } = deployment as Partial<Deployment>;
    await project?.stack.destroy().catch(() => undefined);
    await project?.dispose();
    await conn?.close();
    // Kept data disks outlive the stack by design (the pool's folder keeps them): removed here.
    rmSync(poolDir, { recursive: true, force: true });
    host.stop();
  });
  return deployment;
}
