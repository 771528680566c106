#!/usr/bin/env node
// Asks a running `synheart-connector serve --sandbox` to send itself a signed sandbox webhook.
// usage: node scripts/send-sandbox-webhook.mjs [--url http://127.0.0.1:8787] [--type sleep.updated|workout.created] [--user sbx-alice]
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8787" },
    type: { type: "string", default: "sleep.updated" },
    user: { type: "string" },
  },
});
const target = new URL("/sandbox/send-webhook", values.url);
target.searchParams.set("type", values.type);
if (values.user) target.searchParams.set("user", values.user);
const response = await fetch(target, { method: "POST" });
console.log(response.status, await response.text());
process.exitCode = response.ok ? 0 : 1;
