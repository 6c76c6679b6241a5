/**
 * The provider's notes (provider/engineLog.ts) read back: a note is one or more
 * lines, a guest's line `guest NAME: part; part; …`, each part ending in its
 * change class in parentheses (provider/resources/domainChanges.ts
 * changeNote: `memory 1 GiB → 2 GiB (live)`, `machine pc → q35 (restart
 * needed; pending until the guest restarts)`). Other kinds write whole lines
 * (`move …`, `rebuild …`, `network lan: … (live: …)`, `volume p/v: size … (live: …)`).
 */

/**
 * The classes a review shows: the provider's (live, next boot, restart, move,
 * rebuild) and what the steps say (new, removed, replace, deletes data, kept).
 */
export type ChangeClass =
  | "new"
  | "removed"
  | "live"
  | "next boot"
  | "restart"
  | "restart pending"
  | "move"
  | "rebuild"
  | "replace"
  | "deletes data"
  | "kept"
  | "change"
  | "note";

export interface NotePart {
  text: string;
  class: ChangeClass;
}

/** Splits at `; ` outside parentheses: `a (x; y); b` → [`a (x; y)`, `b`]. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === ";" && depth === 0 && text[i + 1] === " ") {
      parts.push(text.slice(start, i));
      start = i + 2;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** The class a part of a note names: the class in its closing parentheses, where it has one. */
export function classOfPart(part: string): ChangeClass {
  if (/^move /.test(part) || /^guest \S+ cannot move /.test(part)) return "move";
  if (/^rebuild /.test(part)) return "rebuild";
  if (/keepFirmwareState is false/.test(part)) return "note";
  if (part === "the guest restarts gracefully") return "restart";
  if (/^restart pending since earlier/.test(part)) return "restart pending";
  const closing = /\(([^()]*)\)$/.exec(part)?.[1] ?? "";
  if (/^restart needed\b/.test(closing)) return "restart pending";
  if (/^restart\b/.test(closing)) return "restart";
  if (/^live\b/.test(closing)) return "live";
  if (closing === "next boot") return "next boot";
  // A disk's removal is live or next boot for the guest; its volume's own step says what is lost.
  if (/\bdeletes data\b/.test(part)) return "deletes data";
  if (/read by the guest at its next boot/.test(part)) return "next boot";
  return "change";
}

/**
 * The parts of a note about `subject` (`guest demo`, `network lan`): a line
 * `subject: a; b` gives a and b; any other line is a part as it is.
 */
export function partsOfNote(message: string, subject?: string): NotePart[] {
  return message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .flatMap((line) => {
      const prefix = subject !== undefined ? `${subject}: ` : undefined;
      if (prefix === undefined || !line.startsWith(prefix)) return [line];
      // A guest's line lists its changes; another kind's is one change (`network lan: …`).
      const rest = line.slice(prefix.length);
      return /^guest /.test(subject ?? "") ? splitTopLevel(rest) : [rest];
    })
    .map((text) => ({ text, class: classOfPart(text) }));
}
