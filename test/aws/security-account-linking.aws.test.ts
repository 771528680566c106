// Issue 10 §1 and §5 on the AWS backends: the browser binding (its hash in the DynamoDB pending authorization) and
// the start rate limit (DynamoDB token buckets), over real HTTP to the fetch handler, against oidc-provider.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsBackends, type AwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
import { createConnectorEngine, type ConnectorEngine } from "../../engine/connector-engine.js";
import { createFetchHandler } from "../../engine/handlers/fetch-handler.js";
import { toNodeListener } from "../../engine/handlers/node-http.js";
import { CLIENTS, REDIRECT_URI, startAuthorizationServer, type TestAuthorizationServer } from "../fixtures/oauth/authorization-server.js";
import { authorizationServerVendor } from "../fixtures/oauth/manifests.js";
import { awsEndpoint, createKmsKey, createTestTable, newDynamoDbClient, newKmsClient, newSqsClient, testRegion } from "./aws-test-support.js";

const clients = { dynamodb: newDynamoDbClient(), kms: newKmsClient(), sqs: newSqsClient() };
let as: TestAuthorizationServer;
let backends: AwsBackends;
let engine: ConnectorEngine;
let server: Server;
let origin: string;
const VENDOR = "oidc-basic";

beforeAll(async () => {
  const [started, tableName, kmsKeyId] = await Promise.all([startAuthorizationServer(), createTestTable(clients.dynamodb), createKmsKey(clients.kms)]);
  as = started;
  backends = await createAwsBackends({ tableName, queueUrl: `${awsEndpoint()}/000000000000/unused-security`, kmsKeyId, region: testRegion, clients });
  engine = createConnectorEngine({
    vendors: [authorizationServerVendor(as.issuer, { clientAuth: "client_secret_basic", pkce: true })],
    backends: { ...backends, jobQueue: backends.jobQueue!, encryptor: backends.encryptor! },
    credentials: { [VENDOR]: { clientId: CLIENTS.basic.clientId, clientSecret: CLIENTS.basic.clientSecret, settings: {} } },
    connectLinkKeys: ["aws-security-test-connect-link-key-0123"],
  });
  const handler = createFetchHandler(engine, {
    logger: () => {},
    redirectUri: () => REDIRECT_URI,
    startRateLimits: { perClient: [{ limit: 5, periodSeconds: 3600 }] },
  });
  server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await as?.close();
  clients.dynamodb.destroy();
  clients.kms.destroy();
  clients.sqs.destroy();
});

async function start(userId: string, account: string) {
  const link = engine.connectLink({ vendor: VENDOR, userId }).token;
  const response = await fetch(`${origin}/oauth/${VENDOR}/start?link=${link}`, { redirect: "manual" });
  expect(response.status).toBe(302);
  const cookie = response.headers.getSetCookie()[0]!.split(";")[0]!;
  const authorize = new URL(response.headers.get("location")!);
  authorize.searchParams.set("login_hint", account);
  const callback = await as.authorize(authorize.toString());
  return { cookie, callbackUrl: `${origin}/oauth/${VENDOR}/callback${callback.search}` };
}

describe("account linking on the AWS backends", () => {
  it("refuses the callback in a browser that did not start the flow, and completes it in the one that did", async () => {
    const attackerFlow = await start("attacker", "victim-account");
    const victim = await fetch(attackerFlow.callbackUrl, { redirect: "manual" });
    expect(victim.status).toBe(403);
    expect(await engine.vendor(VENDOR).connectionStatus("attacker")).toEqual({ status: "not_connected" });

    const own = await start("alice", "alice-account");
    const wrongCookie = await fetch(own.callbackUrl, { redirect: "manual", headers: { cookie: attackerFlow.cookie } });
    expect(wrongCookie.status).toBe(403);

    const again = await start("alice", "alice-account");
    const finished = await fetch(again.callbackUrl, { redirect: "manual", headers: { cookie: again.cookie } });
    expect(finished.status).toBe(200);
    expect(await engine.vendor(VENDOR).connectionStatus("alice")).toMatchObject({ status: "active", vendorUserId: "alice-account" });
  });

  it("refuses starts without proof and rate-limits them per client in DynamoDB", async () => {
    const unproven = await fetch(`${origin}/oauth/${VENDOR}/start?userId=victim`, { redirect: "manual" });
    expect(unproven.status).toBe(403);
    // The first test spent 3 of this client's 5 starts, the refused one above a 4th: refused attempts count too.
    const link = engine.connectLink({ vendor: VENDOR, userId: "bob" }).token;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${origin}/oauth/${VENDOR}/start?link=${link}`, { redirect: "manual" })).status);
    expect(statuses).toEqual([302, 429, 429]);
  });
});
