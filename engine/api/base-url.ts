import { ConnectorError } from "../errors.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import type { DeepReadonly, VendorManifest } from "../manifest/vendor-definition.js";

type ApiPart = DeepReadonly<VendorManifest>["api"];

/**
 * The API base URL for this deployment: `api.baseUrl`, or the URL `api.baseUrlBySetting` names for the setting's value
 * (Dexcom: region us, eu or jp). A value that names no URL is a missing_setting error: a deployment must not silently
 * send one region's users to another region's host.
 */
export function resolveApiBaseUrl(manifest: Pick<DeepReadonly<VendorManifest>, "id" | "api">, credentials: Pick<VendorCredentials, "settings">): string {
  const bySetting = manifest.api.baseUrlBySetting;
  if (!bySetting) return manifest.api.baseUrl;
  const value = credentials.settings[bySetting.setting];
  if (value === undefined) return manifest.api.baseUrl;
  const chosen = typeof value === "string" ? bySetting.urls[value] : undefined;
  if (chosen === undefined || !Object.hasOwn(bySetting.urls, value as string)) {
    throw new ConnectorError("missing_setting", `${manifest.id}: setting ${bySetting.setting} must be one of ${Object.keys(bySetting.urls).join(", ")}`, {
      vendor: manifest.id,
    });
  }
  return chosen;
}

/** Every host the manifest lets API requests go to: allowedHosts, else the hosts of baseUrl and baseUrlBySetting. */
export function allowedApiHosts(api: ApiPart): string[] {
  if (api.allowedHosts) return [...api.allowedHosts];
  return [...new Set([api.baseUrl, ...Object.values(api.baseUrlBySetting?.urls ?? {})].map((url) => new URL(url).host))];
}
