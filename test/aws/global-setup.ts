// Vitest globalSetup: installs (once) and starts a moto server speaking DynamoDB, SQS and KMS on a free loopback port,
// hands its URL to the tests as inject("awsEndpoint"), and stops it after the run.
// Set SYNHEART_AWS_ENDPOINT to run the AWS tests against a server you started yourself instead.
import { spawn, type ChildProcess } from "node:child_process";
import type { TestProject } from "vitest/node";
import { freePort } from "../support/free-port.js";
import { motoServerCommand } from "./ensure-moto.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}

const startupTimeoutMs = 30_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.SYNHEART_AWS_ENDPOINT;
  if (external) {
    project.provide("awsEndpoint", external);
    return async () => {};
  }

  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const moto = await motoServerCommand("127.0.0.1", port);
  const child = spawn(moto.command, moto.args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "false" },
  });
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on("data", remember);
  child.stderr?.on("data", remember);

  try {
    await waitUntilAnswering(endpoint, child);
  } catch (error) {
    await stop(child);
    throw new Error(`moto server did not start: ${(error as Error).message}\n${output.join("")}`);
  }
  project.provide("awsEndpoint", endpoint);
  return () => stop(child);
}


async function waitUntilAnswering(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
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
