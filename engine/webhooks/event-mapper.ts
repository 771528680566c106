import { ConnectorError } from "../errors.js";
import type { NormalizedEvent } from "../events.js";
import type { FastPath } from "../manifest/expression-fast-path.js";
import { compileExpression, evaluateExpression, evaluateFast, FALLBACK } from "../manifest/expressions.js";
import type { EventMapping, VendorManifest } from "../manifest/manifest.generated.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import { compileFetchPlan, type FetchPlan } from "./fetch-plan.js";
import { toIsoTime } from "../iso-time.js";
import { webhooksOf, type DeepReadonly } from "../manifest/vendor-definition.js";

type Mapping = DeepReadonly<EventMapping>;

export interface MappingOutcome {
  readonly events: NormalizedEvent[];
  /** Items no mapping took (acknowledged, nothing enqueued) when the manifest says `unmatched: ignore`. */
  readonly ignoredItems: number;
}

/** A mapping with what runs it, prepared once per vendor rather than looked up per event. */
interface Route {
  readonly mapping: Mapping;
  readonly fetch: FetchPlan | undefined;
  /** The map and match expressions as plain functions (see `compileFastPaths`); undefined where JSONata must evaluate. */
  map?: FastPath | undefined;
  match?: FastPath | undefined;
}

/** Turns a verified, parsed body into normalized events. Mappings are picked by a Map lookup on the discriminator. */
export class EventMapper {
  private readonly routes: Route[] = [];
  private readonly routesByName = new Map<string, readonly Route[]>();
  private readonly matchRoutes: Route[] = [];
  private split: FastPath | undefined;
  private discriminator: FastPath | undefined;
  /**
   * Whether every expression has a fast path, so that mapping runs without a promise. Settled by the first delivery,
   * which compiles the vendor's expressions: a cold start compiles only the vendors its first deliveries come from.
   */
  private synchronous: boolean | undefined;

  constructor(
    private readonly manifest: DeepReadonly<VendorManifest>,
    credentials: VendorCredentials,
  ) {
    for (const mapping of webhooksOf(manifest).events.mappings) {
      const route: Route = { mapping, fetch: compileFetchPlan(mapping, manifest, credentials) };
      this.routes.push(route);
      if (mapping.on) for (const name of mapping.on) this.routesByName.set(name, [route]);
      else this.matchRoutes.push(route);
    }
  }

  /**
   * `deliveryId` names the delivery (a digest of its body): event ids are `<deliveryId>.<n>`, so a vendor's retry of
   * the same body gives the same ids and downstream consumers can de-duplicate on them.
   * Synchronous when every expression of the vendor has a fast path: no promise per delivery.
   */
  map(body: unknown, deliveryId: string): MappingOutcome | Promise<MappingOutcome> {
    this.synchronous ??= this.compileFastPaths();
    if (this.synchronous) {
      try {
        return this.mapSync(body, deliveryId);
      } catch (error) {
        if (error !== NEEDS_JSONATA) throw error;
      }
    }
    return this.mapAsync(body, deliveryId);
  }

  /** Compiles every expression of the vendor once; true when each has a fast path. */
  private compileFastPaths(): boolean {
    const { events } = webhooksOf(this.manifest);
    let everyFast = true;
    const fastPathOf = (source: string | undefined): FastPath | undefined => {
      const fastPath = source === undefined ? undefined : compileExpression(source).fastPath;
      if (source !== undefined && !fastPath) everyFast = false;
      return fastPath;
    };
    for (const route of this.routes) {
      route.map = fastPathOf(route.mapping.map);
      route.match = fastPathOf(route.mapping.match);
    }
    this.split = fastPathOf(events.split);
    this.discriminator = fastPathOf(events.discriminator);
    return everyFast;
  }

  private mapSync(body: unknown, deliveryId: string): MappingOutcome {
    const items = this.split ? asList(fastOrThrow(this.split, body)) : [body];
    const events: NormalizedEvent[] = [];
    let ignoredItems = 0;
    for (const item of items) {
      const names = this.discriminator ? fastOrThrow(this.discriminator, item) : undefined;
      let routes = names === undefined ? undefined : this.lookUp(names);
      if (!routes) {
        const matched = this.matchRoutes.find((route) => fastOrThrow(route.match!, item) === true);
        routes = matched ? [matched] : [];
      }
      if (routes.length === 0) ignoredItems += this.unmatched();
      for (const route of routes) this.addEvents(events, route, fastOrThrow(route.map!, item), item, deliveryId);
    }
    return { events, ignoredItems };
  }

  private async mapAsync(body: unknown, deliveryId: string): Promise<MappingOutcome> {
    const spec = webhooksOf(this.manifest).events;
    const items = spec.split ? asList(await this.evaluate(spec.split, body, "split")) : [body];
    const events: NormalizedEvent[] = [];
    let ignoredItems = 0;
    for (const item of items) {
      let routes = this.routesFor(item);
      if (routes instanceof Promise) routes = await routes;
      if (routes.length === 0) ignoredItems += this.unmatched();
      for (const route of routes) {
        let mapped = this.evaluate(route.mapping.map, item, `mapping ${route.mapping.type}`);
        if (mapped instanceof Promise) mapped = await mapped;
        this.addEvents(events, route, mapped, item, deliveryId);
      }
    }
    return { events, ignoredItems };
  }

  /** An item no mapping takes: counted as ignored, or a rejection when the manifest says so. */
  private unmatched(): number {
    if (webhooksOf(this.manifest).events.unmatched === "reject") {
      throw new ConnectorError("mapping_failed", "no mapping takes this event", { vendor: this.manifest.id });
    }
    return 1;
  }

  /** Synchronous when the discriminator is a plain field read (the common case): no promise per event. */
  private routesFor(item: unknown): readonly Route[] | Promise<readonly Route[]> {
    const discriminator = webhooksOf(this.manifest).events.discriminator;
    if (discriminator) {
      const names = this.evaluate(discriminator, item, "discriminator");
      if (names instanceof Promise) return names.then((resolved) => this.lookUp(resolved) ?? this.matchAsync(item));
      const found = this.lookUp(names);
      if (found) return found;
    }
    return this.matchRoutes.length > 0 ? this.matchAsync(item) : [];
  }

  private lookUp(names: unknown): readonly Route[] | undefined {
    if (typeof names === "string") return this.routesByName.get(names);
    const found: Route[] = [];
    for (const name of asList(names)) {
      const routes = typeof name === "string" ? this.routesByName.get(name) : undefined;
      if (routes) found.push(...routes);
    }
    return found.length > 0 ? found : undefined;
  }

  private async matchAsync(item: unknown): Promise<readonly Route[]> {
    for (const route of this.matchRoutes) {
      if ((await this.evaluate(route.mapping.match!, item, `match of ${route.mapping.type}`)) === true) return [route];
    }
    return [];
  }

  /** A map expression gives one object per event, a list of them, or nothing. */
  private addEvents(events: NormalizedEvent[], route: Route, mapped: unknown, item: unknown, deliveryId: string): void {
    if (Array.isArray(mapped)) {
      for (const fields of mapped) events.push(this.normalize(route, fields, item, `${deliveryId}.${events.length}`));
    } else if (mapped !== undefined && mapped !== null) {
      events.push(this.normalize(route, mapped, item, `${deliveryId}.${events.length}`));
    }
  }

  private normalize(route: Route, raw: unknown, item: unknown, id: string): NormalizedEvent {
    const { type, delivery } = route.mapping;
    const vendor = this.manifest.id;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new ConnectorError("mapping_failed", `mapping ${type} did not give an object`, { vendor });
    }
    const fields = raw as Record<string, unknown>;
    const userId = scalarString(fields.userId);
    if (!userId) throw new ConnectorError("mapping_failed", `mapping ${type} gave no userId`, { vendor });
    const event: { -readonly [K in keyof NormalizedEvent]: NormalizedEvent[K] } = { id, vendor, type, userId, delivery, data: fields.data === undefined ? item : fields.data };
    if (fields.resourceId !== undefined) {
      const resourceId = scalarString(fields.resourceId);
      if (!resourceId) throw new ConnectorError("mapping_failed", `mapping ${type} gave a resourceId that is not a string or number`, { vendor });
      event.resourceId = resourceId;
    }
    if (fields.occurredAt !== undefined) {
      const occurredAt = toIsoTime(fields.occurredAt);
      if (!occurredAt) throw new ConnectorError("mapping_failed", `mapping ${type} gave an occurredAt that is not a time`, { vendor });
      event.occurredAt = occurredAt;
    }
    if (route.fetch) event.fetch = route.fetch(event);
    return event;
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
