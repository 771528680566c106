import type { KyInstance } from "ky";
import { lazyKyInstance, loadKy } from "../api/lazy-ky.js";
import { resolveApiBaseUrl } from "../api/base-url.js";
import type { Clock } from "../clock.js";
import { ConnectorError, isConnectorError } from "../errors.js";
import { templateLookup, type VendorCredentials } from "../manifest/credentials.js";
import { evaluateExpression } from "../manifest/expressions.js";
import type { Subscriptions } from "../manifest/manifest.generated.js";
import { renderTemplate, type TemplateValue } from "../manifest/template.js";
import type { DeepReadonly, VendorDefinition } from "../manifest/vendor-definition.js";
import type { TokenService } from "../oauth/connections.js";
import type { SyncStateStore } from "../ports/sync-state-store.js";
import type { StoredConnection, TokenStore } from "../ports/token-store.js";
import { parseRecordTime } from "../sync/time-format.js";
import { performSubscriptionCall } from "./subscription-call.js";
import { claimRenewalPass, itemKey, readUserSubscriptions, writeUserSubscription, type UserSubscription } from "./user-subscription-state.js";

type AppSubscriptions = NonNullable<DeepReadonly<Subscriptions>["app"]>;
type UserSubscriptions = NonNullable<DeepReadonly<Subscriptions>["user"]>;
type Item = Readonly<Record<string, string>>;

/** One change `subscriptions sync` made (or, with dryRun, would make). */
export interface SubscriptionChange {
  readonly vendor: string;
  readonly action: "create" | "renew" | "delete";
  readonly key: string;
  readonly id?: string;
  readonly expiresAt?: string;
}

/** A per-user subscription the schedule renewed, or made again (it had expired, or was never recorded). */
export interface UserSubscriptionChange {
  readonly vendor: string;
  readonly userId: string;
  readonly action: "create" | "renew";
  readonly item: Readonly<Record<string, string>>;
  readonly expiresAt?: string;
}

export interface UserRenewalResult {
  readonly changes: readonly UserSubscriptionChange[];
  /** Users whose renewal failed this time (tried again at the next tick). */
  readonly errors: readonly { readonly vendor: string; readonly userId: string; readonly error: unknown }[];
}

export interface SubscriptionSyncOptions {
  /** Only report what would change. */
  readonly dryRun?: boolean;
  /** Also delete the vendor's subscriptions that no item asks for (needs `delete` in the manifest). */
  readonly prune?: boolean;
  /** Default: every served vendor with app-level subscriptions. */
  readonly vendors?: readonly string[];
}

export interface SubscriptionServiceOptions {
  readonly vendors: readonly VendorDefinition[];
  readonly credentials: Readonly<Record<string, VendorCredentials>>;
  readonly tokenService: (vendorId: string) => TokenService;
  readonly connection: (vendorId: string, userId: string) => Promise<StoredConnection | undefined>;
  /** Connections the schedule walks to renew per-user subscriptions. */
  readonly connections: Pick<TokenStore, "listByVendor">;
  /** Where per-user subscription ids and expiries are kept (a checkpoint per user beside the sync streams'). */
  readonly syncState: SyncStateStore;
  readonly clock: Clock;
  /** Timeout of one app-level call. Default 30 s. */
  readonly timeoutMs?: number;
}

/** Declared webhook subscriptions: app-level ones reconciled and renewed, per-user ones made on connect and removed on revoke. */
export interface SubscriptionService {
  /** Idempotent: creates the missing app-level subscriptions, renews those about to expire, prunes when asked. */
  syncApp(options?: SubscriptionSyncOptions): Promise<SubscriptionChange[]>;
  userConnected(vendorId: string, userId: string): Promise<void>;
  /** Before the tokens are revoked and deleted: the user's subscriptions are removed with the user's token. */
  userRevoking(vendorId: string, userId: string): Promise<void>;
  /** Renews every active user's subscriptions that expire within the manifest's margin (scheduled). */
  renewUsers(): Promise<UserRenewalResult>;
  /** Served vendors with app-level subscriptions turned on. */
  readonly appVendorIds: readonly string[];
}

export function createSubscriptionService(options: SubscriptionServiceOptions): SubscriptionService {
  const { clock } = options;
  const byId = new Map(options.vendors.filter((vendor) => vendor.manifest.subscriptions).map((vendor) => [vendor.id, vendor]));

  const lookupFor = (vendorId: string, values: Record<string, TemplateValue>, item?: Item) => {
    const itemValues: Record<string, TemplateValue> = {};
    for (const [name, value] of Object.entries(item ?? {})) itemValues[`item.${name}`] = value;
    return templateLookup(options.credentials[vendorId]!, { ...values, ...itemValues });
  };

  const appClient = (vendor: VendorDefinition, app: AppSubscriptions): KyInstance => {
    const lookup = lookupFor(vendor.id, {});
    const headers: Record<string, string> = {};
    for (const [name, template] of Object.entries(app.headers)) headers[name] = renderTemplate(template, lookup);
    const prefixUrl = resolveApiBaseUrl(vendor.manifest, options.credentials[vendor.id]!);
    // Loaded on first use: a cold start that only verifies webhooks loads neither ky nor Node's fetch.
    return lazyKyInstance(async () => (await loadKy()).create({ prefixUrl, headers, retry: 0, timeout: options.timeoutMs ?? 30_000 }));
  };

  const syncVendor = async (vendor: VendorDefinition, app: AppSubscriptions, sync: SubscriptionSyncOptions): Promise<SubscriptionChange[]> => {
    const client = appClient(vendor, app);
    const listed = await performSubscriptionCall(client, app.list.request, lookupFor(vendor.id, {}), vendor.id, "list subscriptions");
    const selected = await evaluateExpression(app.list.records, listed);
    const existing = new Map<string, { id: string; expiresAt: number | undefined }>();
    for (const subscription of selected === undefined ? [] : Array.isArray(selected) ? selected : [selected]) {
      const key = await evaluateExpression(app.list.key, subscription);
      const id = await evaluateExpression(app.list.id, subscription);
      if (typeof key !== "string" || (typeof id !== "string" && typeof id !== "number")) continue;
      const expiresAt = app.list.expiresAt === undefined ? undefined : parseRecordTime(await evaluateExpression(app.list.expiresAt, subscription));
      existing.set(key, { id: String(id), expiresAt });
    }
    const changes: SubscriptionChange[] = [];
    const wanted = new Set<string>();
    const now = clock();
    for (const item of app.items) {
      const lookup = lookupFor(vendor.id, {}, item);
      const key = renderTemplate(app.key, lookup);
      wanted.add(key);
      const found = existing.get(key);
      if (!found) {
        changes.push({ vendor: vendor.id, action: "create", key });
        if (!sync.dryRun) await performSubscriptionCall(client, app.create, lookup, vendor.id, `create subscription ${key}`);
        continue;
      }
      if (app.renew && found.expiresAt !== undefined && found.expiresAt - now <= app.renew.beforeExpirySeconds * 1000) {
        changes.push({ vendor: vendor.id, action: "renew", key, id: found.id, expiresAt: new Date(found.expiresAt).toISOString() });
        if (!sync.dryRun) {
          await performSubscriptionCall(client, app.renew.request, lookupFor(vendor.id, { "subscription.id": found.id }, item), vendor.id, `renew subscription ${key}`);
        }
      }
    }
    if (sync.prune) {
      if (!app.delete) throw new ConnectorError("not_supported", `${vendor.id} declares no subscription delete call`, { vendor: vendor.id });
      for (const [key, found] of existing) {
        if (wanted.has(key)) continue;
        changes.push({ vendor: vendor.id, action: "delete", key, id: found.id });
        if (!sync.dryRun) await performSubscriptionCall(client, app.delete, lookupFor(vendor.id, { "subscription.id": found.id }), vendor.id, `delete subscription ${key}`);
      }
    }
    return changes;
  };

  const enabled = (vendorId: string, setting: string | undefined) => {
    if (setting === undefined) return true;
    const value = options.credentials[vendorId]?.settings[setting];
    return value !== undefined && value.length > 0;
  };

  /** Whether the engine keeps this vendor's per-user subscription ids and expiries. */
  const keepsState = (user: UserSubscriptions) => user.id !== undefined || user.expiresAt !== undefined;

  const userLookup = (vendorId: string, connection: StoredConnection, item: Item, subscription: UserSubscription | undefined) =>
    lookupFor(
      vendorId,
      {
        userId: connection.userId,
        ...(connection.vendorUserId ? { vendorUserId: connection.vendorUserId } : {}),
        ...(subscription?.id === undefined ? {} : { "subscription.id": subscription.id }),
      },
      item,
    );

  /** The id and expiry a create or renew response gives, remembered for the next renewal and the delete. */
  const remember = async (vendorId: string, userId: string, user: UserSubscriptions, item: Item, body: unknown, previous?: UserSubscription): Promise<UserSubscription> => {
    const id = user.id === undefined ? undefined : await evaluateExpression(user.id, body);
    const expiresAt = user.expiresAt === undefined ? undefined : parseRecordTime(await evaluateExpression(user.expiresAt, body));
    if (user.renew && expiresAt === undefined) {
      throw new ConnectorError("vendor_api_error", `${vendorId}: a user subscription's response gave no expiry (expiresAt)`, { vendor: vendorId });
    }
    const subscription: UserSubscription = {
      ...(typeof id === "string" || typeof id === "number" ? { id: String(id) } : previous?.id === undefined ? {} : { id: previous.id }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    await writeUserSubscription(options.syncState, vendorId, userId, itemKey(item), subscription, clock);
    return subscription;
  };

  const createUserSubscription = async (vendorId: string, user: UserSubscriptions, connection: StoredConnection, item: Item): Promise<UserSubscription | undefined> => {
    const client = options.tokenService(vendorId).api(connection.userId);
    const body = await performSubscriptionCall(client, user.create, userLookup(vendorId, connection, item, undefined), vendorId, "create user subscription");
    return keepsState(user) ? remember(vendorId, connection.userId, user, item, body) : undefined;
  };

  const userCalls = async (vendorId: string, userId: string, which: "create" | "delete") => {
    const user = byId.get(vendorId)?.manifest.subscriptions?.user;
    if (!user || !enabled(vendorId, user.enabledBy)) return;
    const connection = await options.connection(vendorId, userId);
    if (!connection) return;
    if (which === "create") {
      for (const item of user.items) await createUserSubscription(vendorId, user, connection, item);
      return;
    }
    const client = options.tokenService(vendorId).api(userId);
    const known = keepsState(user) ? await readUserSubscriptions(options.syncState, vendorId, userId) : undefined;
    for (const item of user.items) {
      const key = itemKey(item);
      await performSubscriptionCall(client, user.delete, userLookup(vendorId, connection, item, known?.[key]), vendorId, "delete user subscription");
      if (known?.[key]) await writeUserSubscription(options.syncState, vendorId, userId, key, undefined, clock);
    }
  };

  /** One user's renewals: an expiring subscription is renewed; an expired, unknown or vanished one is made again. */
  const renewUser = async (vendorId: string, user: UserSubscriptions, renew: NonNullable<UserSubscriptions["renew"]>, connection: StoredConnection): Promise<UserSubscriptionChange[]> => {
    const changes: UserSubscriptionChange[] = [];
    const known = (await readUserSubscriptions(options.syncState, vendorId, connection.userId)) ?? {};
    const now = clock();
    const changed = (action: UserSubscriptionChange["action"], item: Item, subscription: UserSubscription | undefined) =>
      changes.push({ vendor: vendorId, userId: connection.userId, action, item, ...(subscription?.expiresAt === undefined ? {} : { expiresAt: new Date(subscription.expiresAt).toISOString() }) });
    for (const item of user.items) {
      const current = known[itemKey(item)];
      if (current?.expiresAt !== undefined && current.expiresAt - now > renew.beforeExpirySeconds * 1000) continue;
      if (current?.expiresAt === undefined || current.expiresAt <= now) {
        changed("create", item, await createUserSubscription(vendorId, user, connection, item));
        continue;
      }
      const client = options.tokenService(vendorId).api(connection.userId);
      try {
        const body = await performSubscriptionCall(client, renew.request, userLookup(vendorId, connection, item, current), vendorId, "renew user subscription");
        changed("renew", item, await remember(vendorId, connection.userId, user, item, body, current));
      } catch (error) {
        const status = isConnectorError(error, "vendor_api_error") ? error.details?.status : undefined;
        if (status !== 404 && status !== 410) throw error;
        changed("create", item, await createUserSubscription(vendorId, user, connection, item)); // the vendor no longer knows it
      }
    }
    return changes;
  };

  return {
    appVendorIds: [...byId.values()].filter((vendor) => vendor.manifest.subscriptions?.app && enabled(vendor.id, vendor.manifest.subscriptions.app.enabledBy)).map((vendor) => vendor.id),
    async syncApp(sync = {}) {
      const changes: SubscriptionChange[] = [];
      for (const vendorId of sync.vendors ?? [...byId.keys()]) {
        const vendor = byId.get(vendorId);
        const app = vendor?.manifest.subscriptions?.app;
        if (vendor && app && !enabled(vendorId, app.enabledBy)) continue;
        if (!vendor || !app) {
          if (sync.vendors) throw new ConnectorError("not_supported", `${vendorId.replace(/[^\w.-]/g, "?").slice(0, 64)} declares no app-level subscriptions (or is not served)`);
          continue;
        }
        changes.push(...(await syncVendor(vendor, app, sync)));
      }
      return changes;
    },
    async renewUsers() {
      const changes: UserSubscriptionChange[] = [];
      const errors: { vendor: string; userId: string; error: unknown }[] = [];
      for (const [vendorId, vendor] of byId) {
        const user = vendor.manifest.subscriptions?.user;
        if (!user?.renew || !enabled(vendorId, user.enabledBy)) continue;
        // A pass at least 4 times within the renewal margin (at most hourly): each subscription is seen inside it.
        const everyMs = Math.min(3_600_000, (user.renew.beforeExpirySeconds * 1000) / 4);
        if (!(await claimRenewalPass(options.syncState, vendorId, everyMs, clock))) continue;
        let cursor: string | undefined;
        do {
          const page = await options.connections.listByVendor(vendorId, { limit: 100, ...(cursor ? { cursor } : {}) });
          for (const connection of page.items) {
            if (connection.status !== "active") continue;
            try {
              changes.push(...(await renewUser(vendorId, user, user.renew, connection)));
            } catch (error) {
              errors.push({ vendor: vendorId, userId: connection.userId, error });
            }
          }
          cursor = page.cursor;
        } while (cursor);
      }
      return { changes, errors };
    },
    userConnected: (vendorId, userId) => userCalls(vendorId, userId, "create"),
    userRevoking: (vendorId, userId) => userCalls(vendorId, userId, "delete"),
  };
}
