import type { EventDelivery } from "../queue/index.js";
import type { SandboxVendor } from "./sandbox-vendor.js";

export interface DemoTarget {
  readonly origin: string;
  readonly sandbox: SandboxVendor;
  /** A signed connect link (the start URL) for the user. */
  readonly connectUrl: (userId: string) => string;
  /** Resolves with the next delivery the worker hands to the sink. */
  readonly nextDelivery: (timeoutMs: number) => Promise<EventDelivery>;
}

/**
 * The whole flow without a browser: connect (start, consent, callback), a signed webhook, the job the worker runs,
 * the data it fetched, then a replay and a forged signature being refused. Each step is printed as it happens.
 */
export async function runSandboxDemo(target: DemoTarget, print: (line: string) => void, userId = "demo-user"): Promise<void> {
  const { origin, sandbox } = target;
  const step = (n: number, text: string) => print(`[${n}/6] ${text}`);

  const startUrl = target.connectUrl(userId);
  step(1, `connect with a signed link: GET ${origin}/oauth/sandbox/start?link=...`);
  const started = await fetch(startUrl, { redirect: "manual" });
  await started.body?.cancel();
  const toVendor = new URL(started.headers.get("location") ?? "", startUrl).toString();
  if (started.status !== 302) throw new Error(`the start answered ${started.status}, not a redirect`);
  // The browser's part: the binding cookie set here goes back with the callback.
  const bindingCookie = started.headers.getSetCookie().map((cookie) => cookie.split(";")[0]).join("; ");
  print(`      -> 302 to the sandbox authorization server (${new URL(toVendor).pathname}, PKCE S256), browser binding cookie set`);
  const consent = await fetch(toVendor);
  const approve = /id="approve" href="([^"]+)"/.exec(await consent.text())?.[1];
  if (!approve) throw new Error(`the consent page had no approve link (status ${consent.status})`);
  const callback = await follow(approve.replace(/&amp;/g, "&"));
  print(`      -> user approved; 302 back to ${new URL(callback).pathname} with a code`);
  const finished = await fetch(callback, { redirect: "manual", headers: { cookie: bindingCookie } });
  if (finished.status >= 400) throw new Error(`the callback answered ${finished.status}`);
  const vendorUser = sandbox.oauth.connectedUsers.at(-1) ?? "?";
  print(`      -> code exchanged, tokens sealed in the local store; "${userId}" is connected as sandbox user ${vendorUser}`);

  step(2, "the vendor sends a signed webhook (HMAC-SHA256, X-Sandbox-Signature)");
  const delivery = target.nextDelivery(10_000);
  const sent = await sandbox.sendWebhook({ type: "sleep.updated" });
  print(`      POST /webhooks/sandbox ${sent.type} ${sent.resourceId} -> ${sent.status} ${sent.response}`);
  if (sent.status !== 202) throw new Error(`the connector answered ${sent.status}`);

  step(3, "the event is in the durable queue; the worker picks it up");
  const delivered = await delivery;
  print(`      job done: ${delivered.event.vendor} ${delivered.event.type} for our user "${delivered.userId}"`);

  step(4, `the worker fetched the data from the vendor API (${delivered.event.fetch?.method ?? "GET"} ${delivered.event.fetch ? new URL(delivered.event.fetch.url).pathname : "-"})`);
  print(`      ${JSON.stringify(delivered.data)}`);
  for (const record of delivered.records) print(`      normalized: ${record.type} ${record.id} ${record.type === "deletion" ? `removes a ${record.recordType}` : JSON.stringify(record.effectiveTimeFrame)}`);

  step(5, "the same delivery again (a replay)");
  const replay = await sandbox.sendWebhook({ resend: sent });
  print(`      -> ${replay.status} ${replay.response} (acknowledged, not enqueued again)`);

  step(6, "a webhook signed with the wrong key");
  const forged = await sandbox.sendWebhook({ type: "sleep.updated", badSignature: true });
  print(`      -> ${forged.status} ${forged.response}`);
}

/** One hop of a redirect chain: the Location of a 302. */
async function follow(url: string): Promise<string> {
  const response = await fetch(url, { redirect: "manual" });
  const location = response.headers.get("location");
  await response.body?.cancel();
  if (response.status !== 302 || !location) throw new Error(`${new URL(url).pathname} answered ${response.status}, not a redirect`);
  return new URL(location, url).toString();
}
