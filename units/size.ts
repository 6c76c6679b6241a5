/**
 * Sizes in bytes, the one place every layer reads and writes them: parsed
 * from fleet files, written back into them (formatSize), and said in
 * messages, exactly for what a person set (formatBytes) or roughly for what
 * was measured (roughSize). Imports nothing, so any layer may use it.
 *
 * In fleet files: a number and a unit, `256MiB`, `1.5GiB`, `20GB`.
 * A unit is always required — a bare `1024` could mean bytes, KiB (libvirt's
 * default for memory) or MiB (virt-install's), so it is rejected rather than
 * guessed. Arithmetic is exact (BigInt): `1.5GiB` is 1610612736 bytes, and a
 * size that is not a whole number of bytes is an error, not a rounding.
 */

const KI = 1024n;
const K = 1000n;

/** Unit → bytes. Binary (IEC) and decimal (SI) units; case matters (`Gb` would be bits). */
export const SIZE_UNITS = {
  B: 1n,
  KiB: KI,
  MiB: KI ** 2n,
  GiB: KI ** 3n,
  TiB: KI ** 4n,
  KB: K,
  kB: K,
  MB: K ** 2n,
  GB: K ** 3n,
  TB: K ** 4n,
} as const;

export type SizeUnit = keyof typeof SIZE_UNITS;

/** Own keys only: "constructor" is not a unit. */
function unitBytes(name: string): bigint | undefined {
  return Object.hasOwn(SIZE_UNITS, name) ? SIZE_UNITS[name as SizeUnit] : undefined;
}

/** Why a size was rejected; `message` is written to be shown after the offending path. */
export class SizeError extends Error {
  constructor(
    message: string,
    readonly reason: "syntax" | "fraction" | "too_large",
  ) {
    super(message);
    this.name = "SizeError";
  }
}

const SIZE = /^(\d+)(?:\.(\d+))?\s?([A-Za-z]+)$/;

/** Bytes in `text` (`"2GiB"` → 2147483648). Throws `SizeError`. */
export function parseSize(text: string): number {
  const match = SIZE.exec(text.trim());
  const unit = match ? unitBytes(match[3]) : undefined;
  if (!match || unit === undefined) {
    throw new SizeError('expected a size like "2GiB"', "syntax");
  }
  const fraction = match[2] ?? "";
  const scaled = BigInt(match[1] + fraction) * unit;
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) {
    throw new SizeError(`${JSON.stringify(text)} is not a whole number of bytes`, "fraction");
  }
  const bytes = scaled / divisor;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new SizeError(`${JSON.stringify(text)} is too large`, "too_large");
  }
  return Number(bytes);
}

// Candidate units for display; among equally short texts the first wins, so
// binary before decimal (disk and memory sizes are mostly powers of two).
const DISPLAY_UNITS: readonly SizeUnit[] = ["TiB", "GiB", "MiB", "KiB", "TB", "GB", "MB", "KB"];
const MAX_DECIMALS = 3;
const SCALE = 10n ** BigInt(MAX_DECIMALS);

/**
 * The shortest exact way to write `bytes`: `1.5GiB`, `20GB`, `1001B`. Uses at most
 * three decimals, so `parseSize(formatSize(n)) === n` for every safe integer n ≥ 0.
 */
export function formatSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`formatSize: ${bytes} is not a whole number of bytes`);
  }
  const n = BigInt(bytes);
  let best: string | undefined;
  for (const name of DISPLAY_UNITS) {
    const unit = SIZE_UNITS[name];
    if (n < unit || (n * SCALE) % unit !== 0n) continue;
    const text = decimal((n * SCALE) / unit) + name;
    if (best === undefined || text.length < best.length) best = text;
  }
  const plain = `${bytes}B`;
  return best !== undefined && best.length <= plain.length ? best : plain;
}

/** `1500n` (in thousandths) → `"1.5"`. */
function decimal(scaled: bigint): string {
  const whole = scaled / SCALE;
  const fraction = (scaled % SCALE).toString().padStart(MAX_DECIMALS, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/**
 * A size for people to read in a message, not to parse: GiB with one
 * decimal from 1 GiB up ("14.5 GiB", "3 GiB"), else whole MiB rounded up
 * ("512 MiB"; a few bytes are "1 MiB", never "0 MiB").
 */
export function roughSize(bytes: number): string {
  const GiB = 1024 ** 3;
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1).replace(/\.0$/, "")} GiB`;
  return `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}

/**
 * A size a person set, said exactly in a message: the largest binary unit
 * it is a whole number of ("1 GiB", "1536 MiB"), else bytes ("1000 bytes").
 */
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
