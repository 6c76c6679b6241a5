// The deskfleet policy pack: assembles the policies from their topic files.
// Run by `pulumi preview --policy-pack policies` (npm run preview).
import { PolicyPack } from "@pulumi/policy";
import { dataDisksAreKept } from "./dataDisks";

new PolicyPack("deskfleet", {
  policies: [dataDisksAreKept()],
});
