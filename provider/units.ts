/** Sizes in the words the provider's messages use. */

/** 1073741824 → "1 GiB", 33554432 → "32 MiB", 1000 → "1000 bytes". */
export function formatBytes(n: number): string {
  for (const [unit, size] of [
    ["TiB", 2 ** 40],
    ["GiB", 2 ** 30],
    ["MiB", 2 ** 20],
    ["KiB", 2 ** 10],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}
