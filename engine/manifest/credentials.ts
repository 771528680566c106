import type { VendorManifest } from "./manifest.generated.js";
import { ConnectorError } from "../errors.js";
import type { TemplateLookup, TemplateValue } from "./template.js";

/** Per-deployment secrets and settings for one vendor. Never in a manifest; from the environment or code. */
export interface VendorCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Values for the manifest's `settings`; list settings hold several values (e.g. webhook secrets during rotation). */
  readonly settings: Readonly<Record<string, string | readonly string[]>>;
}

export function envVarName(vendorId: string, name: string): string {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2");
  return `SYNHEART_${vendorId}_${snake}`.replace(/-/g, "_").toUpperCase();
}

/**
 * Reads SYNHEART_<VENDOR>_CLIENT_ID, SYNHEART_<VENDOR>_CLIENT_SECRET and SYNHEART_<VENDOR>_<SETTING> for each setting.
 * Returns undefined when the client id is not set (the vendor is simply not configured).
 * Throws ConnectorError("missing_setting") naming every missing variable at once (never a value) in its message and
 * in `details.missing`.
 */
export function credentialsFromEnv(
  manifest: Pick<VendorManifest, "id" | "settings">,
  env: Readonly<Record<string, string | undefined>> = process.env,
): VendorCredentials | undefined {
  const clientId = env[envVarName(manifest.id, "clientId")];
  if (!clientId) return undefined;
  const missing: string[] = [];
  const clientSecret = env[envVarName(manifest.id, "clientSecret")];
  if (!clientSecret) missing.push(envVarName(manifest.id, "clientSecret"));
  const settings: Record<string, string | readonly string[]> = {};
  for (const [name, setting] of Object.entries(manifest.settings ?? {})) {
    const raw = env[envVarName(manifest.id, name)];
    if (raw === undefined || raw === "") {
      if (setting.required ?? true) missing.push(envVarName(manifest.id, name));
      continue;
    }
    settings[name] = setting.list
      ? raw
          .split(",")
          .map((value) => value.trim())
          .filter(Boolean)
      : raw;
  }
  if (missing.length > 0) {
    throw new ConnectorError("missing_setting", `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set`, {
      vendor: manifest.id,
      details: { missing },
    });
  }
  return { clientId, clientSecret: clientSecret!, settings };
}

/**
 * Template values: {clientId}, {clientSecret}, {settings.<name>}, plus per-call values such as {userId} and
 * {vendorUserId}. Anything else is missing, which renderTemplate reports by name.
 */
export function templateLookup(
  credentials: VendorCredentials,
  values: Readonly<Record<string, TemplateValue>> = {},
): TemplateLookup {
  return (name) => {
    if (name === "clientId") return credentials.clientId;
    if (name === "clientSecret") return credentials.clientSecret;
    if (name.startsWith("settings.")) return credentials.settings[name.slice("settings.".length)];
    return values[name];
  };
}
