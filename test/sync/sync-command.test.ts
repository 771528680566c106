import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import type { CliIo } from "../../engine/cli/io.js";
import { main } from "../../engine/cli/main.js";
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
    const streams = JSON.parse(status.out) as { stream: string; checkpoint?: string; historicalComplete: boolean }[];
    expect(streams.map((stream) => [stream.stream, stream.historicalComplete])).toEqual([
      ["token", true],
      ["paged", false],
    ]);
    expect(streams[0]?.checkpoint).toBeDefined();
  });

  it("refuses an unknown stream and a future --since", async () => {
    expect((await cli("sync", SYNC_VENDOR, "eve", "--stream", "nope", "--vendors", manifest, "--data", "data")).err).toMatch(/not_supported: .*no stream "nope"/);
    expect((await cli("sync", SYNC_VENDOR, "eve", "--since", "2999-01-01", "--vendors", manifest, "--data", "data")).code).toBe(1);
  });
});
