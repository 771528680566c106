// The HTTP ingest server the SIGKILL tests kill: node:http + the fetch handler + WHOOP, on the embedded backends
// (INGEST_DIRECTORY) or on DynamoDB + SQS (INGEST_TABLE, INGEST_QUEUE_URL; endpoint and credentials from AWS_*).
// Bundled by kill-support.ts; prints {"port":...} once listening. The WHOOP definition comes from INGEST_VENDORS_FILE.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAwsBackends } from "../../../engine/backends/aws/create-aws-backends.js";
import { createEmbeddedBackends } from "../../../engine/backends/embedded/backends.js";
import { createKeyring, LocalKeyEncryptor } from "../../../engine/backends/embedded/local-key-encryptor.js";
import { createConnectorEngine } from "../../../engine/connector-engine.js";
import { createFetchHandler } from "../../../engine/handlers/fetch-handler.js";
import { toNodeListener } from "../../../engine/handlers/node-http.js";
import type { VendorDefinition } from "../../../engine/manifest/vendor-definition.js";

const env = process.env;
// Validated by the parent, as `build` embeds definitions: a restart does not pay for YAML and the JSON Schema again.
const vendors = JSON.parse(readFileSync(env.INGEST_VENDORS_FILE!, "utf8")) as VendorDefinition[];
const backends = env.INGEST_TABLE
  ? await createAwsBackends({
      tableName: env.INGEST_TABLE,
      queueUrl: env.INGEST_QUEUE_URL!,
      encryptor: new LocalKeyEncryptor(createKeyring([{ id: "k", key: randomBytes(32) }])),
      ingestClaimSeconds: 1,
    })
  : createEmbeddedBackends({ directory: env.INGEST_DIRECTORY!, env: {} });
const engine = createConnectorEngine({
  vendors,
  backends,
  credentials: { whoop: { clientId: "whoop-client", clientSecret: env.INGEST_WHOOP_SECRET!, settings: {} } },
});
const server = createServer(toNodeListener(createFetchHandler(engine, { logger: () => {} })));
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + "\n");
