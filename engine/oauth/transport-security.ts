import { ConnectorError } from "../errors.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";

export const ALLOW_INSECURE_HTTP_ENV = "SYNHEART_ALLOW_INSECURE_HTTP";

/**
 * Whether plain-http vendor endpoints are allowed: only when the engine option says so, or, when the option is not
 * given, when SYNHEART_ALLOW_INSECURE_HTTP=1. Meant for local vendors in tests and the sandbox; loopback hosts get no
 * exception of their own (a proxy or a port forward on this machine is not a trusted network).
 */
export function insecureHttpAllowed(
  option: boolean | readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): (vendorId: string) => boolean {
  if (option === undefined || option === false) {
    const fromEnv = env[ALLOW_INSECURE_HTTP_ENV] === "1";
    return () => fromEnv;
  }
  if (option === true) return () => true;
  const vendors = new Set(option);
  return (vendorId) => vendors.has(vendorId) || env[ALLOW_INSECURE_HTTP_ENV] === "1";
}

/**
 * Refuses a vendor whose authorization, token, refresh, revocation or API URL is not https: the client secret, codes,
 * tokens and health data would cross the network in clear text.
 */
export function assertSecureEndpoints(vendor: VendorDefinition, allowInsecureHttp: boolean): void {
  if (allowInsecureHttp) return;
  const { oauth, api } = vendor.manifest;
  const endpoints: [string, string | undefined][] = [
    ["oauth.authorizeUrl", oauth?.authorizeUrl],
    ["oauth.tokenUrl", oauth?.tokenUrl],
    ["oauth.refreshUrl", oauth?.refreshUrl],
    ["oauth.revoke.url", oauth?.revoke?.url],
    ["api.baseUrl", api.baseUrl],
  ];
  for (const [field, value] of endpoints) {
    if (value === undefined) continue;
    let protocol: string;
    try {
      protocol = new URL(value).protocol;
    } catch {
      protocol = "invalid";
    }
    if (protocol !== "https:") {
      throw new ConnectorError("insecure_url", `${vendor.id}: ${field} must be an https URL (set ${ALLOW_INSECURE_HTTP_ENV}=1 or allowInsecureHttp only for local testing)`, {
        vendor: vendor.id,
        details: { field },
      });
    }
  }
}
