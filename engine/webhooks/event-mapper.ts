import { ConnectorError } from "../errors.js";
import type { NormalizedEvent } from "../events.js";
import type { FastPath } from "../manifest/expression-fast-path.js";
import { compileExpression, evaluateExpression, evaluateFast, FALLBACK } from "../manifest/expressions.js";
import type { EventMapping, VendorManifest } from "../manifest/manifest.generated.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import { compileFetchPlan, type FetchPlan } from "./fetch-plan.js";
import { toIsoTime } from "../iso-time.js";
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
  private readonly fetchPlans = new Map<Mapping, FetchPlan>();
  /** Every expression's fast path, resolved once here rather than looked up by source text per event. */
  private readonly fastPaths: { split?: FastPath; discriminator?: FastPath; map: WeakMap<Mapping, FastPath>; match: WeakMap<Mapping, FastPath> } | undefined;

  constructor(
    private readonly manifest: DeepReadonly<VendorManifest>,
    credentials: VendorCredentials,
  ) {
    for (const mapping of manifest.webhooks.events.mappings) {
      if (mapping.on) for (const value of mapping.on) this.byDiscriminator.set(value, mapping);
      else this.byMatch.push(mapping);
      const fetchPlan = compileFetchPlan(mapping, manifest, credentials);
      if (fetchPlan) this.fetchPlans.set(mapping, fetchPlan);
    }
    this.fastPaths = allFastPaths(manifest.webhooks.events);
  }

  /**
   * `deliveryId` names the delivery (a digest of its body): event ids are `<deliveryId>.<n>`, so a vendor's retry of
   * the same body gives the same ids and downstream consumers can de-duplicate on them.
   * Synchronous when every expression of the vendor has a fast path: no promise per delivery.
   */
  map(body: unknown, deliveryId: string): MappingOutcome | Promise<MappingOutcome> {
    if (this.fastPaths) {
      try {
        return this.mapSync(body, deliveryId, this.fastPaths);
      } catch (error) {
        if (error !== NEEDS_JSONATA) throw error;
      }
    }
    return this.mapAsync(body, deliveryId);
  }

  private mapSync(body: unknown, deliveryId: string, fast: NonNullable<EventMapper["fastPaths"]>): MappingOutcome {
    const items = fast.split ? asList(fastOrThrow(fast.split, body)) : [body];
    const events: NormalizedEvent[] = [];
    let ignoredItems = 0;
    for (const item of items) {
      const names = fast.discriminator ? fastOrThrow(fast.discriminator, item) : undefined;
      let mappings = names === undefined ? undefined : this.lookUp(names);
      if (!mappings) {
        const matched = this.byMatch.find((mapping) => fastOrThrow(fast.match.get(mapping)!, item) === true);
        mappings = matched ? [matched] : [];
      }
      if (mappings.length === 0) {
        ignoredItems += this.unmatched();
        continue;
      }
      for (const mapping of mappings) {
        for (const fields of asList(fastOrThrow(fast.map.get(mapping)!, item))) {
          events.push(this.normalize(mapping, fields, item, `${deliveryId}.${events.length}`));
        }
      }
    }
    return { events, ignoredItems };
  }

  private async mapAsync(body: unknown, deliveryId: string): Promise<MappingOutcome> {
    const spec = this.manifest.webhooks.events;
    const items = spec.split ? asList(await this.evaluate(spec.split, body, "split")) : [body];
    const events: NormalizedEvent[] = [];
    let ignoredItems = 0;
    for (const item of items) {
      let mappings = this.mappingsFor(item);
      if (mappings instanceof Promise) mappings = await mappings;
      if (mappings.length === 0) {
        ignoredItems += this.unmatched();
        continue;
      }
      for (const mapping of mappings) {
        let mapped = this.evaluate(mapping.map, item, `mapping ${mapping.type}`);
        if (mapped instanceof Promise) mapped = await mapped;
        for (const fields of asList(mapped)) {
          events.push(this.normalize(mapping, fields, item, `${deliveryId}.${events.length}`));
        }
      }
    }
    return { events, ignoredItems };
  }

  /** An item no mapping takes: counted as ignored, or a rejection when the manifest says so. */
  private unmatched(): number {
    if (this.manifest.webhooks.events.unmatched === "reject") {
      throw new ConnectorError("mapping_failed", "no mapping takes this event", { vendor: this.manifest.id });
    }
    return 1;
  }

  /** Synchronous when the discriminator is a plain field read (the common case): no promise per event. */
  private mappingsFor(item: unknown): Mapping[] | Promise<Mapping[]> {
    const discriminator = this.manifest.webhooks.events.discriminator;
    if (discriminator) {
      const names = this.evaluate(discriminator, item, "discriminator");
      if (names instanceof Promise) return names.then((resolved) => this.lookUp(resolved) ?? this.matchAsync(item));
      const found = this.lookUp(names);
      if (found) return found;
    }
    return this.byMatch.length > 0 ? this.matchAsync(item) : [];
  }

  private lookUp(names: unknown): Mapping[] | undefined {
    const found: Mapping[] = [];
    for (const name of asList(names)) {
      const mapping = typeof name === "string" ? this.byDiscriminator.get(name) : undefined;
      if (mapping) found.push(mapping);
    }
    return found.length > 0 ? found : undefined;
  }

  private async matchAsync(item: unknown): Promise<Mapping[]> {
    for (const mapping of this.byMatch) {
      if ((await this.evaluate(mapping.match!, item, `match of ${mapping.type}`)) === true) return [mapping];
    }
    return [];
  }

  private normalize(mapping: Mapping, raw: unknown, item: unknown, id: string): NormalizedEvent {
    const fields = this.checkFields(raw, mapping.type);
    const event: { -readonly [K in keyof NormalizedEvent]: NormalizedEvent[K] } = {
      id,
      vendor: this.manifest.id,
      type: mapping.type,
      userId: fields.userId,
      delivery: mapping.delivery,
      data: fields.data === undefined ? item : fields.data,
    };
    if (fields.resourceId !== undefined) event.resourceId = fields.resourceId;
    if (fields.occurredAt !== undefined) event.occurredAt = fields.occurredAt;
    const fetchPlan = this.fetchPlans.get(mapping);
    if (fetchPlan) event.fetch = fetchPlan(event);
    return event;
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
    const checked: MappedFields = { userId, data: fields.data };
    if (resourceId) checked.resourceId = resourceId;
    if (occurredAt) checked.occurredAt = occurredAt;
    return checked;
  }

  /** A plain value when the fast path answers, a promise when JSONata must evaluate. */
  private evaluate(expression: string, input: unknown, what: string): unknown {
    const fast = evaluateFast(expression, input);
    if (fast !== FALLBACK) return fast;
    return evaluateExpression(expression, input).catch((error: unknown) => {
      const message = (error as { message?: string }).message ?? "failed";
      throw new ConnectorError("mapping_failed", `${what}: ${message}`, { vendor: this.manifest.id });
    });
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

/** Thrown inside the synchronous mapping when an input needs JSONata after all (e.g. an array it maps over). */
const NEEDS_JSONATA = Symbol("needs JSONata");

function fastOrThrow(fastPath: FastPath, input: unknown): unknown {
  const value = fastPath(input);
  if (value === FALLBACK) throw NEEDS_JSONATA;
  return value;
}

/** The fast path of every expression of a vendor's events, or undefined when one of them has none. */
function allFastPaths(events: DeepReadonly<VendorManifest>["webhooks"]["events"]): EventMapper["fastPaths"] {
  const fastPathOf = (source: string | undefined) => (source === undefined ? undefined : compileExpression(source).fastPath);
  const map = new WeakMap<Mapping, FastPath>();
  const match = new WeakMap<Mapping, FastPath>();
  for (const mapping of events.mappings) {
    const mapPath = fastPathOf(mapping.map);
    if (!mapPath) return undefined;
    map.set(mapping, mapPath);
    if (mapping.match !== undefined) {
      const matchPath = fastPathOf(mapping.match);
      if (!matchPath) return undefined;
      match.set(mapping, matchPath);
    }
  }
  const split = fastPathOf(events.split);
  const discriminator = fastPathOf(events.discriminator);
  if ((events.split && !split) || (events.discriminator && !discriminator)) return undefined;
  return { ...(split ? { split } : {}), ...(discriminator ? { discriminator } : {}), map, match };
}
