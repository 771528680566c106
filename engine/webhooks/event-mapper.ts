import { ConnectorError } from "../errors.js";
import type { Authenticity, NormalizedEvent } from "../events.js";
import { compileExpression, evaluateExpression, evaluateFast, FALLBACK, type FastPath } from "../manifest/expressions.js";
import type { EventMapping, VendorManifest } from "../manifest/manifest.generated.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import { compileFetchPlan, type FetchPlan } from "./fetch-plan.js";
import { toIsoTime } from "../iso-time.js";
import { webhooksOf, type DeepReadonly } from "../manifest/vendor-definition.js";

type Mapping = DeepReadonly<EventMapping>;

/** The schema's default for `webhooks.maxEventsPerDelivery`. */
export const DEFAULT_MAX_EVENTS_PER_DELIVERY = 1000;
/** Largest body of an unsigned vendor that the JSONata evaluator may map (see `EventMapper.map`). */
export const UNVERIFIED_JSONATA_MAX_BYTES = 65_536;

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
  /** For a map of the form `field.{ ... }`: the field whose list gives one event per element (see `listFieldOf`). */
  listField?: string | undefined;
}

/** Turns a verified, parsed body into normalized events. Mappings are picked by a Map lookup on the discriminator. */
export class EventMapper {
  private readonly routes: Route[] = [];
  private readonly routesByName = new Map<string, readonly Route[]>();
  private readonly matchRoutes: Route[] = [];
  private readonly maxEvents: number;
  private readonly authenticity: Authenticity;
  /** events.userHeader: the user comes from a header, filled in once the delivery's events are mapped. */
  private readonly userFromHeader: boolean;
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
    this.maxEvents = webhooksOf(manifest).maxEventsPerDelivery ?? DEFAULT_MAX_EVENTS_PER_DELIVERY;
    this.authenticity = webhooksOf(manifest).signature.scheme === "none" ? "unverified" : "verified";
    this.userFromHeader = Boolean(webhooksOf(manifest).events.userHeader);
    for (const mapping of webhooksOf(manifest).events.mappings) {
      const route: Route = { mapping, fetch: compileFetchPlan(mapping, manifest, credentials) };
      this.routes.push(route);
      if (mapping.on) for (const name of mapping.on) this.routesByName.set(name, [route]);
      else this.matchRoutes.push(route);
    }
  }

  /**
   * `deliveryId` names the delivery (a digest of its body): event ids are `<deliveryId>.<n>`, so a vendor's retry of
   * the same body gives the same ids and downstream consumers can de-duplicate on them. `bodyBytes` is the raw
   * body's size: over 64 KiB, a vendor that signs nothing is mapped by the fast path only.
   * Synchronous when every expression of the vendor has a fast path: no promise per delivery.
   */
  map(body: unknown, deliveryId: string, bodyBytes = 0): MappingOutcome | Promise<MappingOutcome> {
    this.synchronous ??= this.compileFastPaths();
    if (this.synchronous) {
      try {
        return this.mapSync(body, deliveryId);
      } catch (error) {
        if (error !== NEEDS_JSONATA) throw error;
      }
    }
    if (this.authenticity === "unverified" && bodyBytes > UNVERIFIED_JSONATA_MAX_BYTES) {
      // JSONata's work grows with the shape of its input (200 us an item for Garmin summaries with lists where
      // values belong), and anyone can send an unsigned vendor's deliveries: only the compiled fast path maps a
      // large one. No shape a vendor sends needs more; a forged one is refused before JSONata sees it.
      throw new ConnectorError("mapping_failed", `a body over ${UNVERIFIED_JSONATA_MAX_BYTES} bytes from a vendor that signs nothing must map without the JSONata evaluator`, { vendor: this.manifest.id });
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
      route.listField = listFieldOf(route.mapping.map);
    }
    this.split = fastPathOf(events.split);
    this.discriminator = fastPathOf(events.discriminator);
    return everyFast;
  }

  private mapSync(body: unknown, deliveryId: string): MappingOutcome {
    const events: NormalizedEvent[] = [];
    if (!this.split) return { events, ignoredItems: this.mapItemSync(body, events, deliveryId) };
    const items = this.capped(asList(fastOrThrow(this.split, body)));
    let ignoredItems = 0;
    for (let index = 0; index < items.length; index++) ignoredItems += this.mapItemSync(items[index], events, deliveryId);
    return { events, ignoredItems };
  }

  /** Adds the item's events; 1 when no mapping takes it (ignored), else 0. */
  private mapItemSync(item: unknown, events: NormalizedEvent[], deliveryId: string): number {
    const names = this.discriminator ? fastOrThrow(this.discriminator, item) : undefined;
    let routes = names === undefined ? undefined : this.lookUp(names);
    if (!routes) {
      const matched = this.matchRoutes.find((route) => fastOrThrow(route.match!, item) === true);
      routes = matched ? [matched] : [];
    }
    if (routes.length === 0) return this.unmatched();
    this.checkListFields(events.length, routes, item);
    for (let index = 0; index < routes.length; index++) {
      const route = routes[index]!;
      this.addEvents(events, route, fastOrThrow(route.map!, item), item, deliveryId);
    }
    return 0;
  }

  private async mapAsync(body: unknown, deliveryId: string): Promise<MappingOutcome> {
    const spec = webhooksOf(this.manifest).events;
    const items = spec.split ? this.capped(asList(await this.evaluate(spec.split, body, "split"))) : [body];
    const events: NormalizedEvent[] = [];
    let ignoredItems = 0;
    for (const item of items) {
      let routes = this.routesFor(item);
      if (routes instanceof Promise) routes = await routes;
      if (routes.length === 0) ignoredItems += this.unmatched();
      this.checkListFields(events.length, routes, item);
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

  /** The split list is counted before any item is mapped: each item is at least one notification. */
  private capped(items: unknown[]): unknown[] {
    if (items.length > this.maxEvents) throw this.tooManyEvents();
    return items;
  }

  private tooManyEvents(): ConnectorError {
    return new ConnectorError("too_many_events", `the delivery holds more than ${this.maxEvents} events`, { vendor: this.manifest.id });
  }

  /**
   * Before any map runs on the item: a `field.{ ... }` map gives at least one event per element of the item's list,
   * so a forged list of 200,000 summaries is refused by counting, not by building 200,000 objects first. Elements of
   * lists nested in the list count too (see `countFlattened`).
   */
  private checkListFields(eventsSoFar: number, routes: readonly Route[], item: unknown): void {
    if (item === null || typeof item !== "object") return;
    let atLeast = eventsSoFar;
    for (const route of routes) {
      const list = route.listField === undefined ? undefined : (item as Record<string, unknown>)[route.listField];
      if (Array.isArray(list)) atLeast += countFlattened(list, this.maxEvents - atLeast + 1);
      if (atLeast > this.maxEvents) throw this.tooManyEvents();
    }
  }

  /** A map expression gives one object per event, a list of them, or nothing. The cap is checked before any is built. */
  private addEvents(events: NormalizedEvent[], route: Route, mapped: unknown, item: unknown, deliveryId: string): void {
    const count = Array.isArray(mapped) ? mapped.length : mapped === undefined || mapped === null ? 0 : 1;
    if (events.length + count > this.maxEvents) throw this.tooManyEvents();
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
    const userId = scalarString(fields.userId) ?? (this.userFromHeader ? "" : undefined);
    if (userId === undefined) throw new ConnectorError("mapping_failed", `mapping ${type} gave no userId`, { vendor });
    const data = fields.data === undefined ? item : fields.data;
    const event: { -readonly [K in keyof NormalizedEvent]: NormalizedEvent[K] } = { id, vendor, type, userId, delivery, data, authenticity: this.authenticity };
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

/**
 * The `field` of a map written `field.{ ... }` (Garmin's `dailies.{ "userId": ... }`): JSONata builds one object per
 * element of the list at `field`, so the list's length is a lower bound on the events the map gives. Any other shape
 * of map: undefined.
 */
function listFieldOf(source: string): string | undefined {
  const ast = compileExpression(source).jsonata.ast() as { type?: string; steps?: Record<string, unknown>[] };
  const [first, second, ...rest] = ast.steps ?? [];
  if (ast.type !== "path" || !first || !second || rest.length > 0) return undefined;
  const plainName = first.type === "name" && typeof first.value === "string" && Object.keys(first).every((key) => ["type", "value", "position"].includes(key));
  return plainName && second.type === "unary" && second.value === "{" ? (first.value as string) : undefined;
}

/**
 * The elements of `list`, with lists inside it counted by their own elements. For a list of objects (what every
 * vendor sends) that is its length: one event each. Lists nested in it give fewer events (JSONata builds one object
 * per outer element, its fields lists) but they are what sends a map off the fast path into JSONata, whose work
 * grows with every inner element: they are counted so that a forged nesting costs no more than the cap allows.
 * Stops counting once past `limit`.
 */
function countFlattened(list: readonly unknown[], limit: number): number {
  let count = 0;
  const pending: (readonly unknown[])[] = [list];
  for (let next = pending.pop(); next !== undefined && count < limit; next = pending.pop()) {
    for (const element of next) {
      if (Array.isArray(element)) pending.push(element);
      else if (++count >= limit) break;
    }
  }
  return count;
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
