/** The name of the NVRAM copy kept beside a snapshot: beside the guest's own file, never it. */
import { copyName } from "../../../snapshots/nvramCopy";
import { parseDomainXml } from "../../../xml/domain";
import { defaultNvramPath } from "../../../xml/nvram";

test("a copy is named after the NVRAM file and the snapshot", () => {
  expect(copyName("win11_VARS.fd", "autosnap_2030-01-01_04-30-00_hourly")).toBe(
    "win11_VARS.autosnap_2030-01-01_04-30-00_hourly.fd",
  );
  expect(copyName("nvram.bin", "base")).toBe("nvram.bin.base.fd");
  expect(copyName("win11_VARS.fd", "base")).not.toBe("win11_VARS.fd");
});

test("the NVRAM file: as the definition names it, else libvirt's own on a system daemon", () => {
  const named =
    "<domain><os firmware='efi'><nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>" +
    "/var/lib/libvirt/qemu/nvram/mail_VARS.fd</nvram></os></domain>";
  expect(parseDomainXml(named).nvram).toBe("/var/lib/libvirt/qemu/nvram/mail_VARS.fd");
  expect(parseDomainXml("<domain><os firmware='efi'/></domain>").nvram).toBeUndefined();
  expect(defaultNvramPath("/system", "post")).toBe("/var/lib/libvirt/qemu/nvram/post_VARS.fd");
  expect(defaultNvramPath("/session", "post")).toBeUndefined();
});
