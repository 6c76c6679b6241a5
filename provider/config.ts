/**
 * Provider-level configuration. The Node provider server ignores `configure`
 * arguments, but the default provider gets the stack's `deskfleet:*` config as
 * JSON in PULUMI_CONFIG (see shared/reference/pulumi.md).
 */
const FALLBACK_URI = "qemu:///system";

export function defaultUri(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.PULUMI_CONFIG;
  if (raw) {
    try {
      const config = JSON.parse(raw) as Record<string, unknown>;
      const uri = config["uri"] ?? config["deskfleet:uri"] ?? config["deskfleet:config:uri"];
      if (typeof uri === "string" && uri !== "") return uri;
    } catch {
      // Malformed config falls back to the default rather than failing every call.
    }
  }
  return env.DESKFLEET_URI ?? FALLBACK_URI;
}
