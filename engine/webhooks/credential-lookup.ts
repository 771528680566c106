import type { VendorCredentials } from "../manifest/credentials.js";
import type { TemplateLookup } from "../manifest/template.js";

/** Resolves {clientId}, {clientSecret} and {settings.<name>} placeholders. */
export function credentialLookup(credentials: VendorCredentials): TemplateLookup {
  return (name) => {
    if (name === "clientId") return credentials.clientId;
    if (name === "clientSecret") return credentials.clientSecret;
    if (name.startsWith("settings.")) return credentials.settings[name.slice("settings.".length)];
    return undefined;
  };
}
