import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import type { CliIo } from "../../engine/cli/io.js";
import { main } from "../../engine/cli/main.js";
import { loadConnectorEngine } from "../../engine/load-engine.js";
import { makeTempDirectory, type TempDirectory } from "../embedded/temp-directory.js";
import { storeSealedConnection } from "../queue/support/connections.js";
import { seedRecords, startRecordsApi, type RecordsApi } from "./support/records-api.js";
import { STREAMS, SYNC_VENDOR, syncTestVendor } from "./support/sync-vendor.js";

describe("synheart-connector sync", () => {
  let api: RecordsApi;
  let directory: TempDirectory;
  let manifest: string;
  const env = { SYNHEART_SYNC_TEST_CLIENT_ID: "sync-client", SYNHEART_SYNC_TEST_CLIENT_SECRET: "sync-secret", SYNHEART_ALLOW_INSECURE_HTTP: "1" };

  beforeAll(async () => {
    api = await startRecordsApi();
    directory = makeTempDirectory("synheart-sync-cli-");
    manifest = join(directory.path, `${SYNC_VENDOR}.yaml`);
    // JSON is YAML: the test vendor's manifest, as a file the CLI loads.
    writeFileSync(manifest, JSON.stringify(syncTestVendor(api.url, [STREAMS.token, STREAMS.paged]).manifest));
    seedRecords(api, "eve", { now: Date.now() - 60_000, days: 10, stepMinutes: 360 });
    const backends = createEmbeddedBackends({ directory: join(directory.path, "data"), env: {} });
    await storeSealedConnection(backends, { vendor: SYNC_VENDOR, userId: "eve", vendorUserId: "v-eve" });
    await backends.close();
  });
  afterAll(async () => {
    await api.close();
    directory.remove();
  });

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env, cwd: directory.path };
    const code = await main(argv, io);
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("reads one stream since a date, appends the records, and reports per stream; --status shows the checkpoint", async () => {
    const since = api.records("eve")[12]!.time - 1_000;
    const expected = api.records("eve").filter((record) => record.time >= since).length;
    const result = await cli("sync", SYNC_VENDOR, "eve", "--since", new Date(since).toISOString(), "--stream", "token", "--vendors", manifest, "--data", "data");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^token: ${expected} new records, `, "m"));
    const lines = readFileSync(join(directory.path, "data", "deliveries.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { source: string; stream: string; event: { type: string } });
    expect(lines.filter((line) => line.event.type === "reading")).toHaveLength(expected);
    expect(lines.every((line) => line.source === "on_demand" && line.stream === "token")).toBe(true);

    const again = await cli("sync", SYNC_VENDOR, "eve", "--since", "7d", "--stream", "token", "--vendors", manifest, "--data", "data");
    expect(again.out).toMatch(/^token: 0 new records, /m);

    const status = await cli("sync", SYNC_VENDOR, "eve", "--status", "--vendors", manifest, "--data", "data");
    const { streams, webhooks } = JSON.parse(status.out) as { streams: { stream: string; checkpoint?: string; historicalComplete: boolean }[]; webhooks?: unknown };
    expect(webhooks).toBeUndefined(); // the test vendor does not watch its webhooks for silence
    expect(streams.map((stream) => [stream.stream, stream.historicalComplete])).toEqual([
      ["token", true],
      ["paged", false],
    ]);
    expect(streams[0]?.checkpoint).toBeDefined();
  });

  it("--status also says what the schedule knows of the webhooks of a vendor watching them for silence", async () => {
    const vendor = syncTestVendor(api.url, [STREAMS.token]);
    const silent = join(directory.path, `${SYNC_VENDOR}-silence.yaml`);
    // No backfill: a user never synced would be backfilled first, and watched from the next tick.
    const { backfill: _backfill, ...sync } = vendor.manifest.sync!;
    const webhookSilence = { appSeconds: 21600, userSeconds: 172800, pollEverySeconds: 3600 };
    writeFileSync(silent, JSON.stringify({ ...vendor.manifest, sync: { ...sync, reconciliation: { everySeconds: 86400, windowSeconds: 86400 }, webhookSilence } }));
    const data = join(directory.path, "data-silence");
    const backends = createEmbeddedBackends({ directory: data, env: {} });
    await storeSealedConnection(backends, { vendor: SYNC_VENDOR, userId: "eve", vendorUserId: "v-eve" });
    const engine = await loadConnectorEngine({ vendorPaths: [silent], backends, env });
    await engine.sync.startDueRuns(); // the schedule's first tick starts watching eve's webhooks
    await engine.close();
    await backends.close();

    const status = await cli("sync", SYNC_VENDOR, "eve", "--status", "--vendors", silent, "--data", "data-silence");
    expect(status.code).toBe(0);
    type Silence = { watchingSince: string; lastWebhookAt?: string; pollingSince?: string };
    const parsed = JSON.parse(status.out) as { streams: { stream: string }[]; webhooks?: { user?: Silence; app?: Silence } };
    expect(parsed.streams.map((stream) => stream.stream)).toEqual(["token"]);
    for (const scope of [parsed.webhooks?.user, parsed.webhooks?.app]) {
      expect(scope?.watchingSince).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
      expect(scope).not.toHaveProperty("pollingSince"); // just started watching: not silent yet
    }
  });

  it("refuses an unknown stream and a future --since", async () => {
    expect((await cli("sync", SYNC_VENDOR, "eve", "--stream", "nope", "--vendors", manifest, "--data", "data")).err).toMatch(/not_supported: .*no stream "nope"/);
    expect((await cli("sync", SYNC_VENDOR, "eve", "--since", "2999-01-01", "--vendors", manifest, "--data", "data")).code).toBe(1);
  });
});
