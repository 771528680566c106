// Runs inside the consumer project the install test makes (node_modules/@synheart/cloud-connector is the packed
// tarball): loads the engine, mounts the connector in Hono, Express and Fastify apps, and sends each a signed WHOOP
// webhook over real HTTP. Prints one JSON line with what happened.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { loadConnectorEngine, signWebhook } from "@synheart/cloud-connector";
import { createMemoryBackends } from "@synheart/cloud-connector/embedded";
import { createFetchHandler, fastifyConnector, honoMountOptions, toNodeListener } from "@synheart/cloud-connector/handlers";

const mode = process.argv[2]; // "built-in": the package's own vendors by default; else the shipped folder, named
const warnings = [];
const backends = createMemoryBackends();
const engine = await loadConnectorEngine({
  backends,
  ...(mode === "built-in" ? {} : { vendorPaths: ["node_modules/@synheart/cloud-connector/vendors"], allowRetired: true }),
  onWarning: (problem) => warnings.push(problem.message),
});
const whoop = engine.vendors.find((vendor) => vendor.id === "whoop");
const credentials = { clientId: process.env.SYNHEART_WHOOP_CLIENT_ID, clientSecret: process.env.SYNHEART_WHOOP_CLIENT_SECRET, settings: {} };
const body = readFileSync("whoop-webhook.json");
const handle = createFetchHandler(engine, { prefix: "/connector", logger: () => {} });

const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
const apps = {
  hono: async () => {
    const app = new Hono();
    app.mount("/connector", handle, honoMountOptions());
    return new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve({ port: info.port, close: () => server.close() }));
    });
  },
  express: async () => {
    const app = express();
    app.use("/connector", toNodeListener(handle));
    app.use(express.json());
    const server = await listen(createServer(app));
    return { port: server.address().port, close: () => server.close() };
  },
  fastify: async () => {
    const app = Fastify();
    await app.register(fastifyConnector(handle), { prefix: "/connector" });
    await app.listen({ port: 0, host: "127.0.0.1" });
    return { port: app.server.address().port, close: () => app.close() };
  },
};

const frameworks = {};
for (const [name, start] of Object.entries(apps)) {
  const app = await start();
  const response = await fetch(`http://127.0.0.1:${app.port}/connector/webhooks/whoop`, {
    method: "POST",
    headers: { "content-type": "application/json", ...signWebhook(whoop, credentials, body) },
    body,
  });
  const jobs = await backends.jobQueue.receive({ maxJobs: 10 });
  for (const job of jobs) await backends.jobQueue.ack(job.receipt);
  frameworks[name] = { status: response.status, jobs: jobs.map((job) => `${job.job.event.vendor} ${job.job.event.type}`) };
  await app.close();
}
console.log(JSON.stringify({ vendors: engine.vendors.map((vendor) => vendor.id).sort(), warnings, frameworks }));
process.exit(0);
