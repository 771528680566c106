import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { backendKindFromEnvironment, parseBackendKind } from "../../handlers/lambda-backends.js";
import { startLocalServer, type LocalServer } from "../../handlers/local-server.js";
import { silentLogger } from "../../handlers/request-log.js";
import type { EventDelivery } from "../../queue/index.js";
import { runSandboxDemo } from "../../sandbox/demo.js";
import { UsageError, type CliIo } from "../io.js";

export const SERVE_USAGE =
  "serve [--port 8787] [--host 127.0.0.1] [--backend embedded|aws] [--vendors vendors] [--sandbox] [--demo] [--allow-retired] [--env-file .env] [--data .synheart]";

/**
 * `serve`: the connector in one process (HTTP server and worker) on the embedded backends (SQLite, local keys) or on
 * AWS (`--backend aws`, or SYNHEART_BACKEND=aws, or SYNHEART_DYNAMODB_TABLE set: DynamoDB, SQS, KMS).
 * `--sandbox` adds a local fake vendor; `--demo` runs the whole flow against it, prints each step and exits.
 */
export async function serveCommand(io: CliIo, args: readonly string[], signals: AbortSignal = shutdownSignal()): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: "string", default: "8787" },
      host: { type: "string", default: "127.0.0.1" },
      vendors: { type: "string", multiple: true },
      sandbox: { type: "boolean", default: false },
      demo: { type: "boolean", default: false },
      "allow-retired": { type: "boolean", default: false },
      "env-file": { type: "string", default: ".env" },
      data: { type: "string", default: ".synheart" },
      backend: { type: "string" },
    },
    allowPositionals: false,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const sandbox = values.sandbox || values.demo;
  const env = withEnvFile(io.env, resolve(io.cwd, values["env-file"]));
  const backend = values.backend === undefined ? (backendKindFromEnvironment(env) ?? "embedded") : parseBackendKind(values.backend, "--backend");
  if (backend === "memory") throw new UsageError("--backend must be embedded or aws");
  if (backend === "aws") exportAwsSdkVariables(env, io.env);

  const deliveries: ((delivery: EventDelivery) => void)[] = [];
  const server = await startLocalServer({
    port,
    host: values.host,
    backend,
    vendorPaths: (values.vendors ?? ["vendors"]).map((path) => resolve(io.cwd, path)),
    sandbox,
    allowRetired: values["allow-retired"],
    directory: resolve(io.cwd, values.data),
    env,
    // The demo prints its own steps; request and job lines would interleave with them.
    ...(values.demo ? { logger: silentLogger, jobLogger: () => {} } : { logger: (entry) => io.out(JSON.stringify(entry)), jobLogger: (entry) => io.out(JSON.stringify(entry)) }),
    onDelivery: (delivery) => deliveries.shift()?.(delivery),
  });

  printBanner(io, server, values.data);
  if (values.demo && server.sandbox) {
    const nextDelivery = (timeoutMs: number) =>
      new Promise<EventDelivery>((resolveDelivery, reject) => {
        const timer = setTimeout(() => reject(new Error("no delivery within the time limit")), timeoutMs);
        deliveries.push((delivery) => {
          clearTimeout(timer);
          resolveDelivery(delivery);
        });
      });
    try {
      io.out("");
      await runSandboxDemo({ origin: server.origin, sandbox: server.sandbox, connectUrl: (userId) => server.connectUrl("sandbox", userId), nextDelivery }, io.out);
      io.out("");
      io.out(`Done. The delivered event is the last line of ${join(values.data, "deliveries.jsonl")}.`);
      io.out(`Run \`synheart-connector serve --sandbox\` to keep the server up and try it in a browser.`);
      return 0;
    } catch (error) {
      io.err(`demo failed: ${(error as Error).message}`);
      return 1;
    } finally {
      await server.close();
    }
  }

  io.out("Ctrl-C to stop.");
  await new Promise<void>((resolveStop) => (signals.aborted ? resolveStop() : signals.addEventListener("abort", () => resolveStop(), { once: true })));
  await server.close();
  return 0;
}

function printBanner(io: CliIo, server: LocalServer, dataDirectory: string): void {
  const { origin } = server;
  io.out(`Synheart Cloud Connector listening on ${origin}`);
  const store = server.backend === "aws" ? "DynamoDB, SQS and KMS (AWS)" : `${join(dataDirectory, "connector.db")} (SQLite)`;
  io.out(`  store and queue: ${store}; delivered events: ${join(dataDirectory, "deliveries.jsonl")}`);
  io.out(`  health: ${origin}/healthz (liveness), ${origin}/readyz (store and queue reachable)`);
  io.out("");
  if (server.configured.length === 0) io.out("No vendor is configured yet (see below, or try --sandbox).");
  else io.out("Configured vendors:");
  for (const vendor of server.configured) {
    io.out(`  ${vendor.id.padEnd(10)} ${vendor.manifest.displayName}`);
    io.out(`    connect a user: ${server.connectUrl(vendor.id, "demo-user")}`);
    io.out(`    webhook URL:    ${origin}/webhooks/${vendor.id}`);
    io.out(`    redirect URI:   ${origin}/oauth/${vendor.id}/callback (register it with the vendor)`);
  }
  if (server.unconfigured.length) {
    io.out("");
    io.out("Not configured (set in the environment or in .env):");
    for (const vendor of server.unconfigured) io.out(`  ${vendor.id.padEnd(10)} ${vendor.missing.join(", ")}`);
  }
  for (const problem of server.refused) io.out(`  refused: ${problem}`);
  if (server.configured.length) {
    io.out("");
    io.out("Connect links are signed and valid for 1 hour; mint one for any user with");
    io.out("  synheart-connector connect-link <vendor> <userId> [--ttl seconds]");
  }
  if (server.sandbox) {
    io.out("");
    io.out("Sandbox vendor (local, generated credentials):");
    io.out(`  1. open ${server.connectUrl("sandbox", "demo-user")} and click Approve`);
    io.out(`  2. send a signed webhook: curl -X POST ${origin}/sandbox/send-webhook`);
    io.out(`  3. watch the "job" log line; the fetched data is appended to ${join(dataDirectory, "deliveries.jsonl")}`);
  }
  io.out("");
}

/**
 * KEY=value lines (optional `export `, quotes, # comments). Variables already in the environment win over the file,
 * so a deployment's real settings are never overridden by a stray .env.
 */
export function withEnvFile(env: Readonly<Record<string, string | undefined>>, file: string): Record<string, string | undefined> {
  if (!existsSync(file)) return { ...env };
  return { ...parseEnvFile(readFileSync(file, "utf8")), ...definedOnly(env) };
}

export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    values[match[1]!] = value;
  }
  return values;
}

/**
 * The AWS SDK reads its own variables (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...) from the process environment;
 * those given only in the .env file are copied there, so the file works for them too. Real variables still win.
 */
function exportAwsSdkVariables(env: Readonly<Record<string, string | undefined>>, real: Readonly<Record<string, string | undefined>>): void {
  if (real !== process.env) return; // an embedding caller passed its own environment: leave the process alone
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("AWS_") && value !== undefined && process.env[name] === undefined) process.env[name] = value;
  }
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return controller.signal;
}
