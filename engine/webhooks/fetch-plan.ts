import { allowedApiHosts, resolveApiBaseUrl } from "../api/base-url.js";
import { ConnectorError } from "../errors.js";
import type { NormalizedEvent, ResourceFetch } from "../events.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import type { EventMapping, VendorManifest } from "../manifest/manifest.generated.js";
import { parseTemplate, placeholderText, type TemplateValue } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import { formEncode } from "./form.js";

/** Where a mapped event's resource is fetched from: built once per mapping, run per event. */
export type FetchPlan = (event: NormalizedEvent) => ResourceFetch;

type Read = (event: NormalizedEvent) => TemplateValue;
type Part = string | { readonly name: string; readonly read: Read };

/**
 * Path placeholders are URL-encoded (a resource id cannot climb out of its path); a whole-URL template must land on
 * one of the vendor's API hosts. Placeholders read the event (`resourceId`, `data.<path>`) or the vendor's
 * `clientId` and `settings`, never the client secret, so no secret can end up in a URL.
 */
export function compileFetchPlan(mapping: DeepReadonly<EventMapping>, manifest: DeepReadonly<VendorManifest>, credentials: VendorCredentials): FetchPlan | undefined {
  const fetch = mapping.fetch;
  if (mapping.delivery !== "fetch" || !fetch) return undefined;
  const vendor = manifest.id;
  // The deployment's API host (baseUrlBySetting: the region's), as the API client and the sync streams use it.
  const baseUrl = new URL(resolveApiBaseUrl(manifest, credentials));
  const basePrefix = baseUrl.origin + baseUrl.pathname.replace(/\/$/, ""); // a fetch path is appended to it
  const hosts = new HostCheck(baseUrl, allowedApiHosts(manifest.api), vendor, mapping.type);
  const parts = compileParts(fetch.url ?? fetch.path!, credentials);
  const query = Object.entries(fetch.query ?? {}).map(([name, template]) => [formEncode(name), compileParts(template, credentials)] as const);
  const goneStatuses = fetch.goneStatuses ?? [404, 410];

  // A path's leading literal is joined to the base once, not per event.
  const [pathHead, pathParts] = !fetch.url && typeof parts[0] === "string" ? [basePrefix + parts[0], parts.slice(1)] : [basePrefix, parts];
  const resolve = (event: NormalizedEvent): string => {
    let url = fetch.url ? hosts.checked(render(parts, event)) : pathHead + render(pathParts, event, encodePathSegment);
    if (query.length > 0) {
      let search = "";
      for (const [name, value] of query) search += `${search ? "&" : ""}${name}=${formEncode(render(value, event))}`;
      url += (url.includes("?") ? "&" : "?") + search;
    }
    return url;
  };
  return (event) => {
    try {
      return { method: fetch.method, url: resolve(event), goneStatuses };
    } catch (error) {
      if (error instanceof ConnectorError && error.code === "fetch_not_allowed") throw error;
      const reason = error instanceof ConnectorError ? error.message : "gave an invalid fetch URL";
      throw new ConnectorError("mapping_failed", `mapping ${mapping.type}: ${reason}`, { vendor });
    }
  };
}

function compileParts(template: string, credentials: VendorCredentials): Part[] {
  return parseTemplate(template).map((part) => ("literal" in part ? part.literal : { name: part.placeholder, read: reader(part.placeholder, credentials) }));
}

function reader(name: string, credentials: VendorCredentials): Read {
  if (name === "clientId") return () => credentials.clientId;
  if (name.startsWith("settings.")) {
    const setting = credentials.settings[name.slice("settings.".length)];
    return () => setting;
  }
  const [root, keys] = name.startsWith("data.") ? ["data" as const, name.slice(5).split(".")] : [undefined, name.split(".")];
  if (keys.length === 1) {
    // One key (resourceId, data.date): the common case, read without the loop.
    const key = keys[0]!;
    return (event) => {
      const holder: unknown = root ? event.data : event;
      const value = holder !== null && typeof holder === "object" ? (holder as Record<string, unknown>)[key] : undefined;
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : undefined;
    };
  }
  return (event) => {
    let value: unknown = root ? event.data : event;
    for (const key of keys) {
      if (value === null || typeof value !== "object") return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : undefined;
  };
}

function render(parts: readonly Part[], event: NormalizedEvent, encode?: (value: string) => string): string {
  let rendered = "";
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    if (typeof part === "string") {
      rendered += part;
      continue;
    }
    const text = placeholderText(part.name, part.read(event));
    rendered += encode ? encode(text) : text;
  }
  return rendered;
}

/** Characters encodeURIComponent leaves as they are: ids and dates are made of these, and need no encoding call. */
const UNRESERVED = /^[\w.~!*'()-]*$/;

/** encodeURIComponent, without its call for the plain ids and dates a path almost always holds. */
function encodePathSegment(text: string): string {
  return UNRESERVED.test(text) ? text : encodeURIComponent(text);
}

/** A whole URL taken from a payload must stay on the vendor's API hosts, over the same scheme, with no credentials. */
class HostCheck {
  private readonly hosts: ReadonlySet<string>;
  /** `<scheme>//<host>/` of each allowed host: a URL starting with one of these can only be on that host. */
  private readonly prefixes: readonly string[];

  constructor(
    private readonly baseUrl: URL,
    hosts: readonly string[],
    private readonly vendor: string,
    private readonly type: string,
  ) {
    this.hosts = new Set(hosts);
    this.prefixes = hosts.map((host) => `${baseUrl.protocol}//${host}/`);
  }

  checked(rendered: string): string {
    // The authority ends at the first "/" after the scheme, so a string with an allowed prefix cannot name another
    // host or carry credentials: no parse needed. Anything else is parsed and checked in full.
    if (this.prefixes.some((prefix) => rendered.startsWith(prefix)) && !/[\s\\]/.test(rendered)) return rendered;
    const url = new URL(rendered);
    if (url.protocol !== this.baseUrl.protocol || !this.hosts.has(url.host) || url.username || url.password) {
      throw new ConnectorError("fetch_not_allowed", `mapping ${this.type}: fetch URL host ${url.host} is not an allowed API host`, { vendor: this.vendor });
    }
    return url.toString();
  }
}
