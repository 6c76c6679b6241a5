/** The provider's notes read back into change classes (provider/resources/domainChanges.ts words). */
import { classOfPart, partsOfNote, splitTopLevel } from "../../../review/notes";
import { html, md } from "../../../review/escape";

it.each([
  ["memory 2 GiB → 4 GiB (live)", "live"],
  ["vcpus 2 → 8 (restart: above maxVcpus 4)", "restart"],
  ["machine pc → q35 (restart)", "restart"],
  ["machine pc → q35 (restart needed; pending until the guest restarts)", "restart pending"],
  [
    "machine pc → q35 (restart needed: libvirt renames a shut-off guest only; pending until the guest restarts)",
    "restart pending",
  ],
  ["restart pending since earlier: machine, name", "restart pending"],
  ["the guest restarts gracefully", "restart"],
  ["machine pc → q35 (next boot)", "next boot"],
  ["disk p/d.qcow2 removed (deletes data: its volume is not kept) (live)", "live"],
  ["disk p/d.qcow2 removed (deletes data: its volume is not kept)", "deletes data"],
  ["move demo a → b (cold: …)", "move"],
  ["guest demo cannot move a → b: no pool default there", "move"],
  ["rebuild demo: p/r.qcow2 from base made anew (…)", "rebuild"],
  [
    "guest w: keepFirmwareState is false, so removing it deletes its NVRAM (UEFI variables)",
    "note",
  ],
  ["volume p/v: size 1 GiB → 2 GiB (live: a running guest sees the new size at once)", "live"],
  ["user-data changes: written now, read by the guest at its next boot", "next boot"],
  ["dhcp changes (restart: the network stops and starts again)", "restart"],
  ["something new", "change"],
])("%s → %s", (part, cls) => {
  expect(classOfPart(part)).toBe(cls);
});

it("splits a guest's note at top-level semicolons only", () => {
  expect(splitTopLevel("a (x; y); b; c (d (e; f))")).toEqual(["a (x; y)", "b", "c (d (e; f))"]);
});

it("a guest's note lists its changes; another kind's line is one change; other lines stay whole", () => {
  expect(
    partsOfNote(
      "guest demo: memory 1 GiB → 2 GiB (live); machine pc → q35 (restart)\nmove demo a → b (cold)\n",
      "guest demo",
    ),
  ).toEqual([
    { text: "memory 1 GiB → 2 GiB (live)", class: "live" },
    { text: "machine pc → q35 (restart)", class: "restart" },
    { text: "move demo a → b (cold)", class: "move" },
  ]);
  expect(
    partsOfNote("network lan: dhcp a → b (live: dnsmasq reloads; links stay)", "network lan"),
  ).toEqual([{ text: "dhcp a → b (live: dnsmasq reloads; links stay)", class: "live" }]);
});

it("escapes HTML, and Markdown's marks for text in a table", () => {
  expect(html(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  expect(md("a|b *c* _d_ `e` [f](g) \\ ~h~\nnext")).toBe(
    "a&#124;b &#42;c&#42; &#95;d&#95; &#96;e&#96; &#91;f&#93;(g) &#92; &#126;h&#126;<br>next",
  );
});
