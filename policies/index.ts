// The deskfleet policy pack: assembles the policies from their topic files.
// Run by `pulumi preview --policy-pack policies` (npm run preview); a stack's
// stacks/policy.<stack>.json (scripts/stack.sh passes it) makes a policy
// advisory or mandatory and configures it.
import { PolicyPack } from "@pulumi/policy";
import { dataDisksAreKept } from "./dataDisks";
import { desktopsHaveSnapshots } from "./desktopSnapshots";
import {
  consolesOnLoopback,
  firmwareStateIsKept,
  movesAreAcknowledged,
  rebuildsAreAcknowledged,
  windowsHasSecureBoot,
} from "./guests";
import { askHostMemory } from "./hostMemory";
import { memoryBudget } from "./memoryBudget";

new PolicyPack("deskfleet", {
  policies: [
    dataDisksAreKept(),
    memoryBudget(askHostMemory),
    consolesOnLoopback(),
    windowsHasSecureBoot(),
    firmwareStateIsKept(),
    desktopsHaveSnapshots(),
    movesAreAcknowledged(),
    rebuildsAreAcknowledged(),
  ],
});
