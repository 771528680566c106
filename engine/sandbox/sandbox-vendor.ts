import { randomBytes } from "node:crypto";
import type { VendorCredentials } from "../manifest/credentials.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import { signWebhook } from "../webhooks/processor.js";
import { json, SandboxAuthorizationServer, text } from "./authorization-server.js";
import { SandboxDataStore } from "./data-api.js";

export const SANDBOX_PATH = "/sandbox";

export interface SandboxVendorOptions {
  /** Origin the sandbox is served on (its routes live under /sandbox). */
  readonly origin: string;
  readonly definition: VendorDefinition;
  readonly credentials: VendorCredentials;
  /** The connector's webhook URL for the sandbox vendor: where signed webhooks are sent. */
  readonly webhookUrl: string;
  /** The connector's OAuth callback: the one registered redirect URI. */
  readonly callbackUrl: string;
}

export type SandboxEventType = "sleep.updated" | "workout.created";

export interface SendWebhookOptions {
  /** Default: the user who connected last. */
  readonly vendorUserId?: string;
  readonly type?: SandboxEventType;
  /** Sign with a wrong key, to see the connector refuse it. */
  readonly badSignature?: boolean;
  /** Send a delivery again, byte for byte and with the same headers. */
  readonly resend?: SentWebhook;
}

export interface SentWebhook {
  readonly deliveryId: string;
  readonly type: SandboxEventType;
  readonly vendorUserId: string;
  readonly resourceId: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  /** The connector's answer. */
  readonly status: number;
  readonly response: string;
}

/**
 * A fake wearable cloud: OAuth authorization server, a data API and a webhook sender that signs like the manifest
 * says. Its fetch-style handler serves everything under /sandbox; `sendWebhook` plays the vendor's notification.
 */
export class SandboxVendor {
  readonly oauth: SandboxAuthorizationServer;
  readonly data = new SandboxDataStore();
  private readonly base: string;

  constructor(private readonly options: SandboxVendorOptions) {
    this.base = `${new URL(options.origin).origin}${SANDBOX_PATH}`;
    this.oauth = new SandboxAuthorizationServer(options.credentials, this.base, [options.callbackUrl]);
  }

  /** True for a path the sandbox serves. */
  owns(pathname: string): boolean {
    return pathname === SANDBOX_PATH || pathname.startsWith(SANDBOX_PATH + "/");
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.slice(SANDBOX_PATH.length);
    const method = request.method.toUpperCase();
    if (method === "GET" && path === "/oauth/authorize") return this.oauth.authorize(url);
    if (method === "GET" && path === "/oauth/approve") return this.oauth.approve(url);
    if (method === "POST" && path === "/oauth/token") return this.oauth.token(request);
    if (method === "POST" && path === "/oauth/revoke") return this.oauth.revoke(request);
    const sleep = /^\/api\/v1\/sleep\/([\w-]{1,64})$/.exec(path);
    if (method === "GET" && sleep) {
      const user = this.oauth.userOf(request.headers.get("authorization"));
      if (!user) return json(401, { error: "invalid_token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
      const record = this.data.sleepFor(sleep[1]!, user);
      return record ? json(200, record) : json(404, { error: "not_found" });
    }
    if (method === "POST" && path === "/send-webhook") {
      const type = url.searchParams.get("type") === "workout.created" ? "workout.created" : "sleep.updated";
      const user = url.searchParams.get("user") ?? undefined;
      if (!user && this.oauth.connectedUsers.length === 0) return json(409, { error: "no connected user: connect first" });
      const sent = await this.sendWebhook({ type, ...(user ? { vendorUserId: user } : {}) });
      return json(200, { deliveryId: sent.deliveryId, type: sent.type, vendorUserId: sent.vendorUserId, resourceId: sent.resourceId, connectorStatus: sent.status });
    }
    return text(404, "not found");
  }

  /** Creates the resource (for sleep), then POSTs a signed notification to the connector. */
  async sendWebhook(options: SendWebhookOptions = {}): Promise<SentWebhook> {
    if (options.resend) return this.post(options.resend);
    const vendorUserId = options.vendorUserId ?? this.oauth.connectedUsers.at(-1) ?? "sbx-alice";
    const type = options.type ?? "sleep.updated";
    const occurredAt = new Date().toISOString();
    const deliveryId = `dlv_${randomBytes(8).toString("hex")}`;
    let resourceId: string;
    let payload: Record<string, unknown>;
    if (type === "sleep.updated") {
      resourceId = this.data.createSleep(vendorUserId).id;
      payload = { type, id: resourceId, user_id: vendorUserId, occurred_at: occurredAt };
    } else {
      resourceId = `wkt_${randomBytes(6).toString("hex")}`;
      payload = { type, id: resourceId, user_id: vendorUserId, occurred_at: occurredAt, workout: { sport: "running", duration_minutes: 42, distance_meters: 8100 } };
    }
    const body = JSON.stringify(payload);
    const credentials = options.badSignature ? { ...this.options.credentials, clientSecret: "not-the-secret" } : this.options.credentials;
    const headers = { "content-type": "application/json", ...signWebhook(this.options.definition, credentials, body, { id: deliveryId }) };
    return this.post({ deliveryId, type, vendorUserId, resourceId, body, headers, status: 0, response: "" });
  }

  private async post(webhook: SentWebhook): Promise<SentWebhook> {
    const response = await fetch(this.options.webhookUrl, { method: "POST", headers: webhook.headers, body: webhook.body });
    return { ...webhook, status: response.status, response: await response.text() };
  }
}
