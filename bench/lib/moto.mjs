// Starts the pinned moto server (DynamoDB, KMS, SQS) on a free loopback port for the AWS benchmarks, the same way
// test/aws/global-setup.ts does for the AWS tests. Set SYNHEART_AWS_ENDPOINT to use a server you started yourself.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { motoServerCommand } from "../../test/aws/ensure-moto.mjs";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto() {
  if (process.env.SYNHEART_AWS_ENDPOINT) return { endpoint: process.env.SYNHEART_AWS_ENDPOINT, stop: async () => {} };
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const moto = await motoServerCommand("127.0.0.1", port);
  const child = spawn(moto.command, moto.args, { stdio: "ignore" });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited with code ${child.exitCode}`);
    try {
      await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      return { endpoint, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error("moto did not answer within 30 s");
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
