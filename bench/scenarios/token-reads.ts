// Token read path: TokenService.getUserTokens (token store get + envelope open + decode) reads per second,
// on the embedded SQLite backend, and on DynamoDB + KMS (moto) with the KMS data-key cache on and off,
// with the DynamoDB and KMS calls per read counted by SDK middleware.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDbTokenStore, KmsEnvelopeEncryptor } from "../../engine/backends/aws/index.js";
import { createEmbeddedBackends, createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { TokenService } from "../../engine/oauth/connections.js";
import { encodeTokenSet, type TokenSet } from "../../engine/oauth/token-set.js";
import type { Encryptor } from "../../engine/ports/encryptor.js";
import type { TokenStore } from "../../engine/ports/token-store.js";
import { countCalls, createKmsKey, createTable, newDynamoDbClient, newKmsClient } from "./aws-support.js";
import { emit, round, summarize } from "./stats.js";
import { repoPath, vendorFixtures } from "./vendor-fixtures.js";

const USERS = Number(process.env.BENCH_TOKEN_USERS ?? 100);
const SQLITE_READS = Number(process.env.BENCH_TOKEN_SQLITE_N ?? 20000);
const AWS_READS = Number(process.env.BENCH_TOKEN_AWS_N ?? 1000);
const skipAws = process.env.BENCH_SKIP_AWS === "1";

const { vendors } = await loadVendors([repoPath("vendors", "whoop.yaml")]);
const vendor: VendorDefinition = vendors[0]!;
const credentials = vendorFixtures.find((f) => f.id === "whoop")!.credentials;

function tokensFor(userId: string): TokenSet {
  return {
    accessToken: `access-${userId}-${"x".repeat(600)}`, // WHOOP-sized opaque tokens
    tokenType: "bearer",
    refreshToken: `refresh-${userId}-${"y".repeat(100)}`,
    expiresAt: Date.now() + 3600_000,
    scopes: ["offline", "read:sleep", "read:workout", "read:recovery"],
    raw: {},
    obtainedAt: Date.now(),
  };
}

async function seed(store: TokenStore, encryptor: Encryptor): Promise<string[]> {
  const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
  for (const userId of users) {
    const sealedTokens = await encryptor.seal(encodeTokenSet(tokensFor(userId)), { vendor: vendor.id, userId });
    await store.put({ vendor: vendor.id, userId, status: "active", vendorUserId: `v-${userId}`, sealedTokens, updatedAt: Date.now() }, null);
  }
  return users;
}

function serviceOver(tokenStore: TokenStore, encryptor: Encryptor): TokenService {
  const memory = createMemoryBackends();
  return new TokenService({ ...memory, vendor, credentials, tokenStore, encryptor, pendingAuthorizations: memory.pendingAuthorizations });
}

async function readLoop(service: TokenService, users: readonly string[], reads: number) {
  const samples = new Float64Array(reads);
  const start = process.hrtime.bigint();
  for (let i = 0; i < reads; i++) {
    const t0 = process.hrtime.bigint();
    const tokens = await service.getUserTokens(users[i % users.length]!);
    samples[i] = Number(process.hrtime.bigint() - t0);
    if (!tokens.accessToken) throw new Error("no access token");
  }
  return summarize(samples, Number(process.hrtime.bigint() - start));
}

const results: Record<string, unknown>[] = [];

// Embedded SQLite (WAL, one file), local AES-256-GCM keys.
{
  const directory = mkdtempSync(join(tmpdir(), "synheart-bench-tokens-"));
  try {
    const backends = createEmbeddedBackends({ directory, env: {} });
    const users = await seed(backends.tokenStore, backends.encryptor);
    const service = serviceOver(backends.tokenStore, backends.encryptor);
    await readLoop(service, users, Math.min(2000, SQLITE_READS)); // warm-up
    const summary = await readLoop(service, users, SQLITE_READS);
    results.push({ backend: "sqlite", readsPerSecond: summary.perSecond, p50Us: summary.p50Us, p99Us: summary.p99Us, storeCallsPerRead: 1, kmsCallsPerRead: 0 });
    await backends.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (!skipAws) {
  const dynamodb = newDynamoDbClient();
  const kms = newKmsClient();
  const tableName = await createTable(dynamodb);
  const keyId = await createKmsKey(kms);
  const store = new DynamoDbTokenStore({ client: dynamodb, tableName });
  const users = await seed(store, new KmsEnvelopeEncryptor({ client: kms, keyId }));
  const ddbCalls = countCalls(dynamodb);
  const kmsCalls = countCalls(kms);
  for (const cache of ["on", "off"] as const) {
    // A fresh encryptor: its cache starts cold, as in a new process or Lambda container.
    const encryptor = new KmsEnvelopeEncryptor({ client: kms, keyId, ...(cache === "off" ? { dataKeyCache: { maxEntries: 0 } } : {}) });
    const service = serviceOver(store, encryptor);
    ddbCalls.reset();
    kmsCalls.reset();
    const cold = await readLoop(service, users, users.length); // first read of every user
    const coldCalls = { ddb: ddbCalls.total() / users.length, kms: kmsCalls.total() / users.length };
    ddbCalls.reset();
    kmsCalls.reset();
    const steady = await readLoop(service, users, AWS_READS);
    results.push({
      backend: `dynamodb+kms (moto), data-key cache ${cache}`,
      readsPerSecond: steady.perSecond,
      p50Us: steady.p50Us,
      p99Us: steady.p99Us,
      storeCallsPerRead: round(ddbCalls.total() / AWS_READS, 3),
      kmsCallsPerRead: round(kmsCalls.total() / AWS_READS, 3),
      kmsCommands: kmsCalls.byCommand(),
      coldFirstRead: { readsPerSecond: cold.perSecond, storeCallsPerRead: round(coldCalls.ddb, 3), kmsCallsPerRead: round(coldCalls.kms, 3) },
    });
  }
  dynamodb.destroy();
  kms.destroy();
}

emit({ scenario: "token-reads", users: USERS, results });
