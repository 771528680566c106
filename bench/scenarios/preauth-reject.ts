// CPU spent on a request that is rejected before it is authenticated: a 1 MiB body with no valid signature (or trust
// header, or allowed source address), per shipped vendor, through the fetch handler (body read from the request
// stream, handshake matching, verification, the error answer). Measured with process.cpuUsage over a batch of
// requests; the floor, in the same run, is a bare HMAC-SHA256 over the same body. Target: under 5 ms per request.
import { createHmac } from "node:crypto";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { createFetchHandler } from "../../engine/handlers/fetch-handler.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import { signWebhook } from "../../engine/webhooks/index.js";
import { emit, median, round } from "./stats.js";
import { repoPath, vendorFixtures } from "./vendor-fixtures.js";

const REQUESTS = Number(process.env.BENCH_PREAUTH_N ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BODY_BYTES = 1_048_576;
const TARGET_MS = 5;
const only = process.env.BENCH_VENDORS?.split(",");

/**
 * The attacker's body: a JSON object of many small fields, led by what a handshake looks for (Polar's PING), so that
 * anything parsing or evaluating it before authentication pays for every field.
 */
function attackBody(bytes: number): Buffer {
  const parts = ['{"event":"PING","timestamp":"2026-11-25T12:00:00.000Z"'];
  let length = parts[0]!.length + 1;
  for (let i = 0; ; i++) {
    const field = `,"f${i}":${i % 10}`;
    if (length + field.length > bytes) break;
    parts.push(field);
    length += field.length;
  }
  parts.push("}");
  const body = Buffer.from(parts.join(""));
  return Buffer.concat([body, Buffer.alloc(bytes - body.length, 0x20)]); // pad with JSON whitespace to exactly `bytes`
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

const { vendors } = await loadVendors([repoPath("vendors")], { allowRetired: true });
const body = attackBody(BODY_BYTES);
const silent = () => {};

// The floor: one HMAC-SHA256 over the same body, in the same run.
const hmacKey = Buffer.from("floor-key-0123456789");
for (let i = 0; i < 5; i++) createHmac("sha256", hmacKey).update(body).digest("hex");
const floorRounds: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const start = cpuMicros();
  for (let i = 0; i < REQUESTS; i++) createHmac("sha256", hmacKey).update(body).digest("hex");
  floorRounds.push((cpuMicros() - start) / REQUESTS);
}
const floorUs = median(floorRounds);

/**
 * Garmin's trust header holds the client id, which is public (it is in every authorization redirect): a forger
 * passes the trust check, so the body is parsed and mapped. Two forged bodies of the same size: one with many
 * summaries (refused by maxEventsPerDelivery) and the field-heavy body above (no summary type: ignored).
 */
function garminFlood(bytes: number, nested = false, item = '{"userId":"u","summaryId":"s","startTimeInSeconds":1}'): Buffer {
  const count = Math.floor((bytes - 20) / (item.length + 1));
  const list = `[${Array.from({ length: count }, () => item).join(",")}]`;
  // Wrapped in an inner list, the items take the mapping off its fast path: JSONata's work grows with every item.
  return Buffer.from(`{"dailies":${nested ? `[${list}]` : list}}`);
}

interface Case {
  readonly name: string;
  readonly fixture: (typeof vendorFixtures)[number];
  readonly body: Buffer;
  readonly forgedTrust?: boolean;
}
const cases: Case[] = vendorFixtures.map((fixture) => ({ name: fixture.id, fixture, body }));
const garmin = vendorFixtures.find((fixture) => fixture.id === "garmin")!;
cases.push({ name: "garmin, public client id, 1 MiB of summaries", fixture: garmin, body: garminFlood(BODY_BYTES), forgedTrust: true });
cases.push({ name: "garmin, public client id, 1 MiB of summaries in an inner list", fixture: garmin, body: garminFlood(BODY_BYTES, true), forgedTrust: true });
// Under the event cap, with a list where Garmin sends a value: the compiled expressions cannot map it.
const oddItem = `{"userId":[${Array(300).fill(1).join(",")}],"summaryId":"s","startTimeInSeconds":1}`;
cases.push({ name: "garmin, public client id, 1 MiB of summaries shaped for JSONata", fixture: garmin, body: garminFlood(BODY_BYTES, false, oddItem), forgedTrust: true });
cases.push({ name: "garmin, public client id, 1 MiB of fields", fixture: garmin, body, forgedTrust: true });

const results: Record<string, unknown>[] = [];
for (const { name, fixture, body, forgedTrust } of cases) {
  if (only && !only.includes(fixture.id)) continue;
  const definition = vendors.find((vendor) => vendor.id === fixture.id)!;
  const engine = createConnectorEngine({ vendors: [definition], backends: createMemoryBackends(), credentials: { [fixture.id]: fixture.credentials } });
  const handler = createFetchHandler(engine, { logger: silent });
  const signature = definition.manifest.webhooks.signature;
  // Well-formed but wrong: signed with another secret and a current timestamp, so the HMAC over the body is computed
  // (the costliest rejection); the unsigned vendors get no trust header and a source address outside the allow-list.
  const wrongSecrets = { clientId: "attacker", clientSecret: "attacker-secret", settings: Object.fromEntries(Object.keys(fixture.credentials.settings).map((name) => [name, ["attacker-secret"]])) };
  const headers: Record<string, string> = { "content-type": fixture.headers?.["content-type"] ?? "application/json" };
  if (signature.scheme === "hmac") Object.assign(headers, signWebhook(definition, wrongSecrets, body));
  if (forgedTrust) Object.assign(headers, fixture.headers);
  const send = async () => {
    const response = await handler(new Request(`http://127.0.0.1/webhooks/${fixture.id}`, { method: "POST", headers, body }), { sourceIp: "203.0.113.9" });
    await response.arrayBuffer();
    return response.status;
  };
  const statuses = new Set<number>();
  for (let i = 0; i < 5; i++) statuses.add(await send()); // warm-up
  // The forged Garmin bodies are parsed and mapped (10-150 ms each): fewer of them keep the scenario short in CI.
  const requests = forgedTrust ? Math.max(5, Math.round(REQUESTS / 4)) : REQUESTS;
  const perRequestUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = cpuMicros();
    for (let i = 0; i < requests; i++) statuses.add(await send());
    perRequestUs.push((cpuMicros() - start) / requests);
  }
  const cpuUs = median(perRequestUs);
  results.push({
    vendor: name,
    scheme: signature.scheme,
    statuses: [...statuses].sort(),
    rejected: [...statuses].every((status) => status >= 400),
    cpuMsPerRequest: round(cpuUs / 1000, 3),
    floorHmacMs: round(floorUs / 1000, 3),
    ratioToHmac: round(cpuUs / floorUs, 2),
    // A forger with the public trust value is past the only check there is: the body is parsed and mapped, bounded
    // by maxBodyBytes and maxEventsPerDelivery; the pre-authentication target does not apply.
    targetMet: forgedTrust ? null : cpuUs / 1000 < TARGET_MS && [...statuses].every((status) => status >= 400),
  });
}
emit({ scenario: "preauth-reject", bodyBytes: BODY_BYTES, requestsPerRound: REQUESTS, rounds: ROUNDS, targetMs: TARGET_MS, floorHmacMs: round(floorUs / 1000, 3), vendors: results });
