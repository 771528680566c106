import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { JobLogEntry } from "../../handlers/delivery-log.js";
import type { LocalServer } from "../../handlers/local-server.js";
import { levelEnabled, silentLogger as silentWorkerLogger } from "../../logging/logger.js";
import type { EventDelivery } from "../../queue/index.js";
import { commandLogger, parseCommandArgs, type CliCommand } from "../command.js";
import { UsageError, type CliIo } from "../io.js";
import { stringList, vendorOptions } from "../load-vendors.js";

export const serveCommandSpec: CliCommand = {
  summary: "run the HTTP server and the worker in one process, on the embedded backends (SQLite) or on AWS",
  usage: "",
  options: {
    port: { type: "string", default: "8787", value: "<port>", description: "port to listen on (0 picks a free one)" },
    host: { type: "string", default: "127.0.0.1", value: "<host>", description: "address to listen on" },
    ...vendorOptions,
    sandbox: { type: "boolean", description: "add a local fake vendor (OAuth server and data API) with generated credentials" },
    demo: { type: "boolean", description: "with the sandbox, run the whole flow once, print each step and exit" },
    "env-file": { type: "string", default: ".env", value: "<file>", description: "KEY=value credentials; the real environment wins" },
    data: { type: "string", default: ".synheart", value: "<folder>", description: "SQLite store and queue, token keys, deliveries.jsonl" },
    backend: {
      type: "string",
      value: "embedded|aws",
      description: "store and queue: default SYNHEART_BACKEND, else aws when SYNHEART_DYNAMODB_TABLE is set, else embedded",
    },
  },
  details: "Human text (the banner, warnings) goes to stderr; request and job log lines go to stdout as JSON lines.",
  run: (io, args) => serveCommand(io, args),
};

/**
 * `serve`: the connector in one process (HTTP server and worker) on the embedded backends (SQLite, local keys) or on
 * AWS (`--backend aws`, or SYNHEART_BACKEND=aws, or SYNHEART_DYNAMODB_TABLE set: DynamoDB, SQS, KMS).
 * `--sandbox` adds a local fake vendor; `--demo` runs the whole flow against it, prints each step and exits.
 */
export async function serveCommand(io: CliIo, args: readonly string[], signals: AbortSignal = shutdownSignal()): Promise<number> {
  const { values: parsed } = parseCommandArgs(serveCommandSpec, args);
  const values = {
    port: String(parsed.port),
    host: String(parsed.host),
    data: String(parsed.data),
    "env-file": String(parsed["env-file"]),
    demo: parsed.demo === true,
    sandbox: parsed.sandbox === true,
  };
  const logger = commandLogger(io, parsed);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port.slice(0, 32)}"`);
  const sandbox = values.sandbox || values.demo;
  const env = withEnvFile(io.env, resolve(io.cwd, values["env-file"]));
  const logLine = (entry: { kind: string } | JobLogEntry) => {
    // A failed attempt is reported by the worker's logger (warn, or error when dead-lettered), with its reason.
    if (entry.kind === "job" && (entry as JobLogEntry).outcome === "retry") return;
    if (levelEnabled(logger, "info")) io.out(JSON.stringify({ level: "info", ...entry }));
  };
  const { backendKindFromEnvironment, parseBackendKind } = await import("../../handlers/lambda-backends.js");
  const backend = typeof parsed.backend === "string" ? parseBackendKind(parsed.backend, "--backend") : (backendKindFromEnvironment(env) ?? "embedded");
  if (backend === "memory") throw new UsageError("--backend must be embedded or aws");
  if (backend === "aws") exportAwsSdkVariables(env, io.env);

  // The HTTP handlers load only when serve runs, not for `--help` or another command.
  const [{ startLocalServer }, { silentLogger }, { runSandboxDemo }] = await Promise.all([
    import("../../handlers/local-server.js"),
    import("../../handlers/request-log.js"),
    import("../../sandbox/demo.js"),
  ]);
  const deliveries: ((delivery: EventDelivery) => void)[] = [];
  const server = await startLocalServer({
    port,
    host: values.host,
    backend,
    vendorPaths: stringList(parsed.vendors).map((path) => resolve(io.cwd, path)),
    builtinVendors: parsed["no-builtin"] !== true,
    sandbox,
    allowRetired: parsed["allow-retired"] === true,
    directory: resolve(io.cwd, values.data),
    env,
    // The demo prints its own steps; request and job lines would interleave with them.
    ...(values.demo
      ? { logger: silentLogger, jobLogger: () => {}, workerLogger: silentWorkerLogger }
      : { logger: logLine, jobLogger: logLine, workerLogger: logger }),
    onDelivery: (delivery) => deliveries.shift()?.(delivery),
  });

  // Human text on stderr, so stdout stays JSON lines; the demo is nothing but human text and keeps stdout.
  printBanner(values.demo ? io.out : io.err, server, values.data);
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

  io.err("Ctrl-C to stop.");
  await new Promise<void>((resolveStop) => (signals.aborted ? resolveStop() : signals.addEventListener("abort", () => resolveStop(), { once: true })));
  await server.close();
  return 0;
}

function printBanner(write: (line: string) => void, server: LocalServer, dataDirectory: string): void {
  const io = { out: write };
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
