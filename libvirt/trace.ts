/**
 * DESKFLEET_LIBVIRT_TRACE=<file>: every procedure this process calls (and
 * every stream it opens) is appended to <file> as one line, its name, just
 * before it is sent. For watching what deskfleet does to a host, and for the
 * fault-injection tests, which freeze or kill a daemon at a given call.
 */
import { appendFileSync } from "node:fs";
import { procedureName } from "./protocol";

const file = process.env.DESKFLEET_LIBVIRT_TRACE;

export function traceCall(procedure: number): void {
  if (file) appendFileSync(file, `${procedureName(procedure)}\n`);
}
