/**
 * Starting a guest (provider/resources/domainLifecycle.ts startGuest): a
 * swtpm socket not yet listening is tried once more; anything else is the error.
 */
import type { DomainRef, LibvirtClient } from "../../../libvirt";
import { LibvirtError, Procedure } from "../../../libvirt";
import { startGuest } from "../../../guests/lifecycle";
import { remoteError } from "../../support/libvirtErrors";

const dom = { name: "win11", uuid: Buffer.alloc(16), id: -1 } as unknown as DomainRef;
const failure = (message: string) =>
  new LibvirtError(remoteError(1, 10, message), Procedure.DomainCreateWithFlags);
const SWTPM =
  "internal error: process exited while connecting to monitor: qemu-system-x86_64: -chardev socket,id=chrtpm,path=/run/libvirt/qemu/swtpm/2-win11-swtpm.sock: Failed to connect to '/run/libvirt/qemu/swtpm/2-win11-swtpm.sock': No such file or directory";

const client = (...outcomes: (Error | undefined)[]) => {
  const domainCreate = jest.fn(() => {
    const next = outcomes.shift();
    return next ? Promise.reject(next) : Promise.resolve();
  });
  return { conn: { domainCreate } as unknown as LibvirtClient, domainCreate };
};

it("starts the guest once when it starts", async () => {
  const { conn, domainCreate } = client(undefined);
  await startGuest(conn, dom);
  expect(domainCreate).toHaveBeenCalledTimes(1);
});

it("tries once more when QEMU could not reach swtpm's socket", async () => {
  const { conn, domainCreate } = client(failure(SWTPM), undefined);
  await startGuest(conn, dom);
  expect(domainCreate).toHaveBeenCalledTimes(2);
});

it("a second such failure, or any other, is the error", async () => {
  const twice = client(failure(SWTPM), failure(SWTPM));
  await expect(startGuest(twice.conn, dom)).rejects.toThrow(/chrtpm/);
  const other = client(failure("unsupported configuration: video model 'qxl'"));
  await expect(startGuest(other.conn, dom)).rejects.toThrow(/qxl/);
  expect(other.domainCreate).toHaveBeenCalledTimes(1);
});
