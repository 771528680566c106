import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalServer } from "../../engine/handlers/local-server.js";
import { mintConnectLink, parseConnectLinkKeys } from "../../engine/oauth/connect-link.js";
import { approveAtSandbox, Browser, LINK_KEY, startSandboxServer, temporaryDirectory } from "./oauth-support.js";

// Issue 10 §1, each attack sent over real HTTP to `serve` (sandbox vendor, embedded SQLite).
describe("account-linking CSRF against serve", () => {
  const directory = temporaryDirectory();
  let server: LocalServer;
  const connected = (userId: string) => server.engine.vendor("sandbox").connectionStatus(userId);

  beforeAll(async () => {
    server = await startSandboxServer(directory.path);
  });
  afterAll(async () => {
    await server?.close();
    directory.remove();
  });

  it("refuses a start for a user id nobody vouched for, and stores nothing", async () => {
    const attacker = new Browser();
    for (const query of ["userId=victim", "userId=victim&scope=sleep"]) {
      const response = await attacker.get(`${server.origin}/oauth/sandbox/start?${query}`);
      expect(response.status).toBe(403);
      // serve's authorize hook never vouches for a user id (it has no sessions): only a connect link starts a flow.
      expect(await response.json()).toEqual({ error: "forbidden" });
      expect(response.headers.get("location")).toBeNull();
    }
    expect(attacker.cookies().size).toBe(0);
    expect(pendingRows()).toBe(0);
  });

  it("refuses forged, expired, other-vendor and other-user connect links", async () => {
    const keys = parseConnectLinkKeys([LINK_KEY]);
    const now = Date.now();
    const valid = server.connectUrl("sandbox", "victim");
    const token = new URL(valid).searchParams.get("link")!;
    const [version, payload, signature] = token.split(".");
    const otherPayload = Buffer.from(JSON.stringify({ v: "sandbox", u: "attacker", e: Math.floor(now / 1000) + 600 })).toString("base64url");
    const cases = {
      "forged signature": `${version}.${payload}.${Buffer.alloc(32, 1).toString("base64url")}`,
      "payload swapped under the victim's signature": `${version}.${otherPayload}.${signature}`,
      "signed with another key": mintConnectLink(parseConnectLinkKeys(["another-key-of-at-least-32-bytes-000"]), { vendor: "sandbox", userId: "victim", expiresAt: now + 600_000 }),
      expired: mintConnectLink(keys, { vendor: "sandbox", userId: "victim", expiresAt: now - 1000 }),
      "for another vendor": mintConnectLink(keys, { vendor: "whoop", userId: "victim", expiresAt: now + 600_000 }),
      "truncated": token.slice(0, -3),
    };
    for (const [name, link] of Object.entries(cases)) {
      const response = await new Browser().get(`${server.origin}/oauth/sandbox/start?link=${link}`);
      expect(response.status, name).toBe(403);
      expect(await response.json(), name).toEqual({ error: "connect_link_invalid" });
    }
    // A link for one user cannot be pointed at another with ?userId=.
    const retargeted = await new Browser().get(`${valid}&userId=attacker`);
    expect(retargeted.status).toBe(403);
    expect(pendingRows()).toBe(0);
  });

  it("binds the callback to the browser that started: the victim finishing the attacker's flow links nothing", async () => {
    // The attacker, a user of the app, starts a flow for their own user id with a link the app gave them...
    const attacker = new Browser();
    const started = await attacker.get(server.connectUrl("sandbox", "attacker"));
    expect(started.status).toBe(302);
    // ...and gets the victim to approve it (the vendor redirect is just a URL); the victim's browser follows it.
    const victim = new Browser();
    const callback = await approveAtSandbox(victim, started.headers.get("location")!, "victim");
    const finished = await victim.get(callback);
    expect(finished.status).toBe(403);
    expect(await finished.text()).toContain("browser_binding_mismatch");
    expect(await connected("attacker")).toEqual({ status: "not_connected" });
    expect(server.sandbox!.oauth.connectedUsers).not.toContain("sbx-victim"); // the code was never redeemed

    // The state is spent: the attacker cannot finish it later with their own cookie either.
    const late = await attacker.get(callback);
    expect(late.status).toBe(400);
    expect(await connected("attacker")).toEqual({ status: "not_connected" });
  });

  it("refuses a callback whose cookie belongs to another flow of the same browser", async () => {
    const victim = new Browser();
    await victim.get(server.connectUrl("sandbox", "victim")); // the victim's own cookie
    const attacker = new Browser();
    const started = await attacker.get(server.connectUrl("sandbox", "attacker"));
    const callback = await approveAtSandbox(attacker, started.headers.get("location")!, "mallory");
    const finished = await victim.get(callback); // the attacker's code and state, the victim's cookie
    expect(finished.status).toBe(403);
    expect(await connected("attacker")).toEqual({ status: "not_connected" });
    expect(await connected("victim")).toEqual({ status: "not_connected" });
  });

  it("connects the browser that started, sets a scoped HttpOnly SameSite=Lax cookie, stores only its hash and clears it", async () => {
    const user = new Browser();
    const started = await user.get(server.connectUrl("sandbox", "user-7"));
    expect(started.status).toBe(302);
    const [cookie] = started.headers.getSetCookie();
    expect(cookie).toMatch(/^synheart_oauth_sandbox=[\w-]{43}; Path=\/oauth\/sandbox\/callback; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    const nonce = user.cookies().get("synheart_oauth_sandbox")!;
    const records = pendingRecords();
    expect(records.some((record) => record.includes(nonce))).toBe(false);
    expect(records.filter((record) => record.includes('"browserBindingHash"'))).toHaveLength(records.length);

    const callback = await approveAtSandbox(user, started.headers.get("location")!, "alice");
    const finished = await user.get(callback);
    expect(finished.status).toBe(200);
    expect(finished.headers.getSetCookie()).toEqual([expect.stringMatching(/^synheart_oauth_sandbox=; Path=\/oauth\/sandbox\/callback; Max-Age=0; HttpOnly; SameSite=Lax$/)]);
    expect(user.cookies().has("synheart_oauth_sandbox")).toBe(false);
    expect(await connected("user-7")).toMatchObject({ status: "active", vendorUserId: "sbx-alice" });
  });

  function pendingRecords(): string[] {
    const db = new Database(join(directory.path, "connector.db"), { readonly: true });
    try {
      return (db.prepare("SELECT record FROM pending_authorizations WHERE expires_at > ?").all(Date.now()) as { record: string }[]).map((row) => row.record);
    } finally {
      db.close();
    }
  }

  function pendingRows(): number {
    return pendingRecords().length;
  }
});
