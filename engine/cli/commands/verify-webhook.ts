import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { MemoryReplayCache } from "../../backends/embedded/memory-replay-cache.js";
import { loadHooksBeside } from "../../manifest/hooks.js";
import { createWebhookProcessor } from "../../webhooks/index.js";
import { UsageError, type CliIo } from "../io.js";
import { findVendor, loadVendorsForCommand } from "../load-vendors.js";
import { cliCredentials } from "../webhook-credentials.js";

/**
 * `verify-webhook <vendor> --headers <json file> --body <file> --secret <secret> [--now <t>]`: the engine's own
 * verification, replay check and mapping. Prints the normalized events (exit 0) or the error code and reason (exit 2).
 */
export async function verifyWebhookCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      headers: { type: "string" },
      body: { type: "string" },
      secret: { type: "string" },
      now: { type: "string" },
      method: { type: "string" },
      "source-ip": { type: "string" },
      url: { type: "string" },
      "client-id": { type: "string" },
      setting: { type: "string", multiple: true },
      vendors: { type: "string", multiple: true },
    },
  });
  if (!values.body && (values.method ?? "POST").toUpperCase() === "POST") throw new UsageError("--body <file> is required for a POST");
  const vendor = findVendor(await loadVendorsForCommand(io, values.vendors ?? []), positionals[0]);
  // The hooks `serve` would run beside the manifest run here too: a request serve refuses is refused here.
  const hooks = await loadHooksBeside(vendor);
  const credentials = cliCredentials(vendor, { secret: values.secret, clientId: values["client-id"], settings: values.setting });
  const headers = values.headers ? parseHeaders(await readFile(values.headers, "utf8")) : {};
  const rawBody = values.body ? await readFile(values.body) : Buffer.alloc(0);
  const now = values.now === undefined ? Date.now() : parseNow(values.now);
  const processor = createWebhookProcessor({
    vendors: [vendor],
    credentials: { [vendor.id]: credentials },
    replayCache: new MemoryReplayCache({ clock: () => now }),
    clock: () => now,
    ...(hooks ? { hooks: { [vendor.id]: hooks } } : {}),
  });
  const request = {
    method: (values.method ?? "POST").toUpperCase(),
    url: values.url ?? `/webhooks/${vendor.id}`,
    headers,
    rawBody,
    ...(values["source-ip"] ? { sourceIp: values["source-ip"] } : {}),
  };
  const handshake = await processor.handshake(vendor.id, request);
  if (handshake) {
    io.out(JSON.stringify({ handshake: { status: handshake.status, body: handshake.body } }, null, 2));
    return handshake.status < 400 ? 0 : 2;
  }
  const result = await processor.verifyAndParse(vendor.id, request);
  if (!result.ok) {
    io.err(`${result.error.code}: ${result.error.message}`);
    return 2;
  }
  io.out(JSON.stringify({ events: result.events, ignoredItems: result.ignoredItems }, null, 2));
  return 0;
}

function parseHeaders(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError("--headers must be a JSON object of header names to values");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new UsageError("--headers must be a JSON object");
  return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)]));
}

/** Unix seconds, Unix milliseconds or an ISO 8601 time. */
function parseNow(value: string): number {
  if (/^\d+$/.test(value)) return Number(value) < 1e11 ? Number(value) * 1000 : Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new UsageError(`--now "${value}" is not a time`);
  return parsed;
}
