// The refresh race of test/oauth/refresh-race.test.ts on the AWS backends: two engine instances, each with its own
// createAwsBackends (own SDK clients, own KMS data-key cache), sharing one DynamoDB table and one KMS key in moto,
// against the oidc-provider authorization server with rotating refresh tokens.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsBackends, type AwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
import { createTokenService } from "../../engine/oauth/connections.js";
import { CLIENTS, REDIRECT_URI, startAuthorizationServer, type TestAuthorizationServer } from "../fixtures/oauth/authorization-server.js";
import { authorizationServerVendor } from "../fixtures/oauth/manifests.js";
import {
  awsEndpoint,
  countCalls,
  createKmsKey,
  createTestTable,
  newDynamoDbClient,
  newKmsClient,
  newSqsClient,
  testRegion,
} from "./aws-test-support.js";

const setupClients = { dynamodb: newDynamoDbClient(), kms: newKmsClient() };
let as: TestAuthorizationServer;
let tableName: string;
let kmsKeyId: string;

beforeAll(async () => {
  [as, tableName, kmsKeyId] = await Promise.all([
    startAuthorizationServer(),
    createTestTable(setupClients.dynamodb),
    createKmsKey(setupClients.kms),
  ]);
});

afterAll(async () => {
  await as?.close();
  setupClients.dynamodb.destroy();
  setupClients.kms.destroy();
});

describe("refresh race with rotating refresh tokens on the AWS backends", () => {
  it("50 concurrent refreshIfNeeded calls on two engine instances sharing one DynamoDB table: one refresh, 50 identical valid tokens", async () => {
    const time = { offset: 0 };
    const clock = () => Date.now() + time.offset;
    // Each instance gets clients of its own (as two processes would have); they are destroyed in `finally`.
    const instanceClients = [0, 1].map(() => ({ dynamodb: newDynamoDbClient(), sqs: newSqsClient(), kms: newKmsClient() }));
    const kmsCalls = instanceClients.map((clients) => countCalls(clients.kms));
    const backends: AwsBackends[] = [];
    try {
      for (const clients of instanceClients) {
        backends.push(
          await createAwsBackends({
            tableName,
            // The token service never touches the queue; SqsJobQueue makes no call until used.
            queueUrl: `${awsEndpoint()}/000000000000/unused-refresh-race`,
            kmsKeyId,
            region: testRegion,
            clients,
            clock,
          }),
        );
      }
      const [first, second] = backends as [AwsBackends, AwsBackends];
      expect(first.encryptor).not.toBe(second.encryptor);

      const vendor = authorizationServerVendor(as.issuer, { clientAuth: "client_secret_basic", pkce: false });
      const credentials = { clientId: CLIENTS.basic.clientId, clientSecret: CLIENTS.basic.clientSecret, settings: {} };
      const engines = [first, second].map((instance) => createTokenService({ vendor, credentials, clock, ...instance }));
      const [one, two] = engines as [(typeof engines)[0], (typeof engines)[0]];

      const request = await one.authorizationUrl({ userId: "racer", redirectUri: REDIRECT_URI });
      const callback = await as.authorize(request.url);
      const connected = await two.exchangeCode({ code: callback.searchParams.get("code")!, state: request.state });

      time.offset = 3_600_000; // expired for both instances
      const refreshesBefore = as.counts.refresh_token;
      const errorsBefore = as.counts.refresh_token_errors;
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? one : two).refreshIfNeeded("racer", { skewSeconds: 60 })),
      );
      const durationMs = performance.now() - started;

      const refreshCalls = as.counts.refresh_token - refreshesBefore;
      console.info(
        `aws refresh race: ${results.length} callers on 2 instances, ${refreshCalls} refresh at the server, ` +
          `${durationMs.toFixed(0)} ms; KMS calls per instance: ${kmsCalls.map((calls) => JSON.stringify(Object.fromEntries(calls.counts))).join(" / ")}`,
      );
      expect(refreshCalls).toBe(1);
      expect(as.counts.refresh_token_errors - errorsBefore).toBe(0);
      const accessTokens = new Set(results.map((tokens) => tokens.accessToken));
      expect(accessTokens.size).toBe(1);
      const [accessToken] = [...accessTokens];
      expect(accessToken).not.toBe(connected.tokens.accessToken);
      expect(new Set(results.map((tokens) => tokens.refreshToken)).size).toBe(1);
      expect(results[0]!.refreshToken).not.toBe(connected.tokens.refreshToken); // rotated
      expect((await as.introspect(accessToken!)).active).toBe(true);
      expect((await as.introspect(results[0]!.refreshToken!)).active).toBe(true);
      expect(await one.connectionStatus("racer")).toMatchObject({ status: "active" });
      expect(await two.connectionStatus("racer")).toMatchObject({ status: "active" });
      expect((await two.getUserTokens("racer")).accessToken).toBe(accessToken);
      expect((await one.getUserTokens("racer")).accessToken).toBe(accessToken);
      // Both instances really used KMS through their own clients (each its own data-key cache).
      expect(kmsCalls.every((calls) => calls.total() > 0)).toBe(true);
    } finally {
      for (const instance of backends) await instance.close();
      for (const clients of instanceClients) for (const client of Object.values(clients)) client.destroy();
    }
  });
});
