import { createHash } from "node:crypto";
import { ConnectorError } from "../errors.js";
import type { NormalizedEvent, ResourceFetch } from "../events.js";
import { evaluateExpression } from "../manifest/expressions.js";
import type { EventMapping, VendorManifest } from "../manifest/manifest.generated.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import { pathValue, renderTemplate } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";

type Mapping = DeepReadonly<EventMapping>;

interface MappedFields {
  userId: string;
  resourceId?: string;
  occurredAt?: string;
  data: unknown;
}

export interface MappingOutcome {
  readonly events: NormalizedEvent[];
  /** Items no mapping took (acknowledged, nothing enqueued) when the manifest says `unmatched: ignore`. */
  readonly ignoredItems: number;
}

/** Turns a verified, parsed body into normalized events. Mappings are picked by a Map lookup on the discriminator. */
export class EventMapper {
  private readonly byDiscriminator = new Map<string, Mapping>();
  private readonly byMatch: Mapping[] = [];
  private readonly baseUrl: URL;
  private readonly allowedHosts: ReadonlySet<string>;

  constructor(
    private readonly manifest: DeepReadonly<VendorManifest>,
    private readonly credentials: VendorCredentials,
  ) {
    for (const mapping of manifest.webhooks.events.mappings) {
      if (mapping.on) for (const value of mapping.on) this.byDiscriminator.set(value, mapping);
      else this.byMatch.push(mapping);
    }
    this.baseUrl = new URL(manifest.api.baseUrl);
    this.allowedHosts = new Set(manifest.api.allowedHosts ?? [this.baseUrl.host]);
  }

  async map(body: unknown): Promise<MappingOutcome> {
    const { events: spec, } = this.manifest.webhooks;
    const items = spec.split ? asList(await this.evaluate(spec.split, body, "split")) : [body];
    const events: NormalizedEvent[] = [];
    let ignoredItems = 0;
    for (const item of items) {
      const mappings = await this.mappingsFor(item);
      if (mappings.length === 0) {
        if (spec.unmatched === "reject") {
          throw new ConnectorError("mapping_failed", "no mapping takes this event", { vendor: this.manifest.id });
        }
        ignoredItems++;
        continue;
      }
      for (const mapping of mappings) {
        for (const fields of asList(await this.evaluate(mapping.map, item, `mapping ${mapping.type}`))) {
          events.push(this.normalize(mapping, fields, item));
        }
      }
    }
    return { events, ignoredItems };
  }

  private async mappingsFor(item: unknown): Promise<Mapping[]> {
    const discriminator = this.manifest.webhooks.events.discriminator;
    if (discriminator) {
      const names = asList(await this.evaluate(discriminator, item, "discriminator"));
      const found = names.flatMap((name) => {
        const mapping = typeof name === "string" ? this.byDiscriminator.get(name) : undefined;
        return mapping ? [mapping] : [];
      });
      if (found.length > 0) return found;
    }
    for (const mapping of this.byMatch) {
      if ((await this.evaluate(mapping.match!, item, `match of ${mapping.type}`)) === true) return [mapping];
    }
    return [];
  }

  private normalize(mapping: Mapping, raw: unknown, item: unknown): NormalizedEvent {
    const fields = this.checkFields(raw, mapping.type);
    const event = {
      vendor: this.manifest.id,
      type: mapping.type,
      userId: fields.userId,
      ...(fields.resourceId !== undefined ? { resourceId: fields.resourceId } : {}),
      ...(fields.occurredAt !== undefined ? { occurredAt: fields.occurredAt } : {}),
      delivery: mapping.delivery,
      data: fields.data === undefined ? item : fields.data,
    };
    const fetch = mapping.delivery === "fetch" && mapping.fetch ? this.resolveFetch(mapping, event) : undefined;
    return { id: eventId(event), ...event, ...(fetch ? { fetch } : {}) };
  }

  private checkFields(raw: unknown, type: string): MappedFields {
    const vendor = this.manifest.id;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new ConnectorError("mapping_failed", `mapping ${type} did not give an object`, { vendor });
    }
    const fields = raw as Record<string, unknown>;
    const userId = scalarString(fields.userId);
    if (!userId) throw new ConnectorError("mapping_failed", `mapping ${type} gave no userId`, { vendor });
    const resourceId = fields.resourceId === undefined ? undefined : scalarString(fields.resourceId);
    if (fields.resourceId !== undefined && !resourceId) {
      throw new ConnectorError("mapping_failed", `mapping ${type} gave a resourceId that is not a string or number`, { vendor });
    }
    const occurredAt = fields.occurredAt === undefined ? undefined : toIsoTime(fields.occurredAt);
    if (fields.occurredAt !== undefined && !occurredAt) {
      throw new ConnectorError("mapping_failed", `mapping ${type} gave an occurredAt that is not a time`, { vendor });
    }
    return { userId, ...(resourceId ? { resourceId } : {}), ...(occurredAt ? { occurredAt } : {}), data: fields.data };
  }

  /** Path placeholders are URL-encoded (a resource id cannot climb out of its path); a whole-URL template must land on an allowed host. */
  private resolveFetch(mapping: Mapping, event: Omit<NormalizedEvent, "id">): ResourceFetch {
    const fetch = mapping.fetch!;
    const vendor = this.manifest.id;
    const lookup = (name: string) => {
      if (name === "clientId") return this.credentials.clientId;
      if (name.startsWith("settings.")) return this.credentials.settings[name.slice(9)];
      const value = name.startsWith("data.") ? pathValue(event.data, name.slice(5)) : pathValue(event, name);
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : undefined;
    };
    let url: URL;
    try {
      if (fetch.url) {
        url = new URL(renderTemplate(fetch.url, lookup));
      } else {
        const path = renderTemplate(fetch.path!, (name) => {
          const value = lookup(name);
          return value === undefined ? undefined : encodeURIComponent(String(value));
        });
        url = new URL(this.baseUrl.pathname.replace(/\/$/, "") + path, this.baseUrl);
      }
    } catch (error) {
      if (error instanceof ConnectorError) {
        throw new ConnectorError("mapping_failed", `mapping ${mapping.type}: ${error.message}`, { vendor });
      }
      throw new ConnectorError("mapping_failed", `mapping ${mapping.type} gave an invalid fetch URL`, { vendor });
    }
    if (url.protocol !== this.baseUrl.protocol || !this.allowedHosts.has(url.host) || url.username || url.password) {
      throw new ConnectorError("fetch_not_allowed", `fetch URL host ${url.host} is not an allowed API host`, { vendor });
    }
    for (const [name, template] of Object.entries(fetch.query ?? {})) url.searchParams.set(name, renderTemplate(template, lookup));
    return { method: fetch.method, url: url.toString(), goneStatuses: fetch.goneStatuses ?? [404, 410] };
  }

  private async evaluate(expression: string, input: unknown, what: string): Promise<unknown> {
    try {
      return await evaluateExpression(expression, input);
    } catch (error) {
      const message = (error as { message?: string }).message ?? "failed";
      throw new ConnectorError("mapping_failed", `${what}: ${message}`, { vendor: this.manifest.id });
    }
  }
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function scalarString(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Strings that parse as a time stay as ISO 8601; numbers are Unix seconds (or milliseconds when too large for seconds). */
function toIsoTime(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) {
    return new Date(value > 1e11 ? value : value * 1000).toISOString();
  }
  if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return undefined;
}

function eventId(event: Omit<NormalizedEvent, "id">): string {
  const material = JSON.stringify([event.vendor, event.type, event.userId, event.resourceId ?? null, event.occurredAt ?? null, event.data]);
  return createHash("sha256").update(material).digest("hex").slice(0, 32);
}
