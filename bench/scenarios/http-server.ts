// The HTTP ingest server under load: node:http + the engine's fetch handler (toNodeListener(createFetchHandler)),
// embedded SQLite backends in BENCH_DIRECTORY, every shipped vendor configured. Prints {"port":...} when listening;
// stops on SIGTERM. bench/lib/http-load.mjs drives it with autocannon and counts the queue afterwards.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createEmbeddedBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { createFetchHandler } from "../../engine/handlers/fetch-handler.js";
import { toNodeListener } from "../../engine/handlers/node-http.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import { emit } from "./stats.js";
import { repoPath, vendorFixtures } from "./vendor-fixtures.js";

const directory = process.env.BENCH_DIRECTORY;
if (!directory) throw new Error("BENCH_DIRECTORY is not set");
const { vendors } = await loadVendors([repoPath("vendors")], { allowRetired: true });
const engine = createConnectorEngine({
  vendors,
  backends: createEmbeddedBackends({ directory, env: {} }),
  credentials: Object.fromEntries(vendorFixtures.map((fixture) => [fixture.id, fixture.credentials])),
});
const server = createServer(toNodeListener(createFetchHandler(engine, { logger: () => {} })));
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
emit({ port: (server.address() as AddressInfo).port });
process.on("SIGTERM", () => {
  server.close(() => {
    void engine.close().then(() => process.exit(0));
  });
  server.closeAllConnections();
});
