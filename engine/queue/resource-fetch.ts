import type { ConnectorEngine } from "../connector-engine.js";
import { ConnectorError } from "../errors.js";
import type { NormalizedEvent, ResourceFetch } from "../events.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import { allowedApiHosts } from "../api/base-url.js";

export type FetchedResource = { readonly gone: false; readonly data: unknown } | { readonly gone: true; readonly httpStatus: number };

export type ResponseReader = (response: Response) => Promise<unknown>;

/** JSON when the body parses as JSON, else the text; undefined for an empty body. */
export const readJsonOrText: ResponseReader = async (response) => {
  const text = await response.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/**
 * Fetches a ping-style event's resource on behalf of `userId` through the vendor's API client, so the request is
 * rate-limited, carries a refreshed token and is retried as the client retries. A status in `goneStatuses` is an
 * outcome; any other non-2xx is a vendor_api_error (retryable).
 */
export async function fetchEventResource(
  engine: Pick<ConnectorEngine, "vendors" | "vendor">,
  event: NormalizedEvent,
  userId: string,
  readResponse: ResponseReader = readJsonOrText,
): Promise<FetchedResource> {
  const fetch = event.fetch;
  if (!fetch) throw new ConnectorError("mapping_failed", `${event.vendor}: a fetch event without a fetch request`, { vendor: event.vendor });
  const url = allowedFetchUrl(engine.vendors.find((vendor) => vendor.id === event.vendor), event.vendor, fetch);
  // The client is bound to api.baseUrl; an empty prefixUrl lets it take the event's absolute URL.
  const response = await engine.vendor(event.vendor).api(userId)(url, { method: fetch.method, prefixUrl: "", throwHttpErrors: false });
  if (fetch.goneStatuses.includes(response.status)) {
    await response.body?.cancel();
    return { gone: true, httpStatus: response.status };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ConnectorError("vendor_api_error", `${event.vendor}: ${fetch.method} ${url.pathname} answered ${response.status}`, {
      vendor: event.vendor,
      details: { status: response.status },
    });
  }
  return { gone: false, data: await readResponse(response) };
}

/**
 * Checked again here although mapping checked it: a queue message can be written by anyone allowed to send to the
 * queue, and the request carries the user's bearer token.
 */
function allowedFetchUrl(vendor: VendorDefinition | undefined, vendorId: string, fetch: ResourceFetch): URL {
  if (!vendor) throw new ConnectorError("unknown_vendor", `no configured vendor "${vendorId.replace(/[^\w.-]/g, "?").slice(0, 64)}"`);
  const baseUrl = new URL(vendor.manifest.api.baseUrl);
  const allowedHosts = new Set(allowedApiHosts(vendor.manifest.api));
  let url: URL;
  try {
    url = new URL(fetch.url);
  } catch {
    throw new ConnectorError("fetch_not_allowed", `${vendorId}: the fetch URL is not a URL`, { vendor: vendorId });
  }
  if (url.protocol !== baseUrl.protocol || !allowedHosts.has(url.host) || url.username || url.password) {
    throw new ConnectorError("fetch_not_allowed", `${vendorId}: fetch URL host ${url.host} is not an allowed API host`, { vendor: vendorId });
  }
  return url;
}
