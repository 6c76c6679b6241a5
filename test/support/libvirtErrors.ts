/** A daemon's error as the client decodes it, for tests that need one without a daemon. */
import type { RemoteError } from "../../libvirt";

export function remoteError(code: number, domain: number, message: string | null): RemoteError {
  return {
    code,
    domain,
    message,
    level: 2,
    dom: null,
    str1: null,
    str2: null,
    str3: null,
    int1: -1,
    int2: -1,
    net: null,
  };
}
