import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  awsEndpoint,
  createTestTable,
  newDynamoDbClient,
  testCredentials,
  testRegion,
  uniqueResourceName,
} from "./aws-test-support.js";
import { bundleAwsBackends } from "./bundle-backends.js";

const run = promisify(execFile);
const worker = join(dirname(fileURLToPath(import.meta.url)), "race-worker.mjs");
const dynamodb = newDynamoDbClient();
let tableName: string;
let bundle: { path: string; text: string };

beforeAll(async () => {
  [tableName, bundle] = await Promise.all([createTestTable(dynamodb), bundleAwsBackends()]);
});

afterAll(() => {
  dynamodb.destroy();
  if (bundle) rmSync(bundle.path, { force: true });
});

async function race(mode: "replay" | "lease", keyCount: number): Promise<string[][]> {
  const keyPrefix = uniqueResourceName(mode);
  const startAt = String(Date.now() + 1_500);
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: awsEndpoint(),
    AWS_REGION: testRegion,
    AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
  };
  const args = [worker, bundle.path, mode, tableName, keyPrefix, String(keyCount), startAt];
  const outputs = await Promise.all(
    [1, 2].map((seed) => run(process.execPath, [...args, String(seed)], { env, timeout: 20_000 })),
  );
  const winners = outputs.map((output) => JSON.parse(output.stdout) as string[]);
  return winners;
}

function expectOneWinnerPerKey(winners: string[][], keyCount: number): void {
  const all = winners.flat();
  expect(all).toHaveLength(keyCount);
  expect(new Set(all).size).toBe(keyCount);
  // Both really competed (each walks the keys in its own random order, so each gets there first sometimes).
  expect(winners.every((won) => won.length > 0)).toBe(true);
}

describe("two processes sharing the table", () => {
  it("agree on exactly one first sighting per replay key", async () => {
    const winners = await race("replay", 40);
    expectOneWinnerPerKey(winners, 40);
  });

  it("grant each lease to exactly one of them", async () => {
    const winners = await race("lease", 40);
    expectOneWinnerPerKey(winners, 40);
  });
});

describe("the AWS backends' module", () => {
  it("does not import the AWS SDK when it loads (only on first use)", () => {
    expect(bundle.text).not.toMatch(/^\s*import\b[^;(]*["']@aws-sdk\//m);
    expect(bundle.text).toMatch(/import\(["']@aws-sdk\/client-dynamodb["']\)/);
  });
});
