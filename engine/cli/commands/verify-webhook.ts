import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { MemoryReplayCache } from "../../backends/embedded/memory-replay-cache.js";
import { loadHooksBeside } from "../../manifest/hooks.js";
import { createWebhookProcessor } from "../../webhooks/index.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import { UsageError, type CliIo } from "../io.js";
import { findVendor, loadVendorsForCommand, stringList, vendorOptions, vendorSelection } from "../load-vendors.js";
import { cliCredentials, credentialOptions } from "../webhook-credentials.js";

export const verifyWebhookCommandSpec: CliCommand = {
  summary: "run the engine's handshake, verification (hooks included), replay check and mapping on one request (exit 2 when rejected)",
  usage: "<vendor>",
  options: {
    headers: { type: "string", value: "<json file>", description: "the request headers as a JSON object" },
    body: { type: "string", value: "<file>", description: "the raw request body (required for a POST)" },
    ...credentialOptions,
    now: { type: "string", value: "<t>", description: "the time to check timestamps against: Unix s or ms, or ISO 8601 (default: now)" },
    method: { type: "string", value: "<method>", description: "the request method (default POST)" },
    "source-ip": { type: "string", value: "<ip>", description: "the sender's address, for vendors trusted by source IP (Withings)" },
    url: { type: "string", value: "<path?query>", description: "the request's path and query, for handshakes (default /webhooks/<vendor>)" },
    ...vendorOptions,
  },
  details: "Prints the normalized events or the handshake answer (exit 0), or the error code and reason on stderr (exit 2).",
  run: verifyWebhookCommand,
};

/**
 * `verify-webhook <vendor> --headers <json file> --body <file> --secret <secret> [--now <t>]`: the engine's own
 * verification, replay check and mapping. Prints the normalized events (exit 0) or the error code and reason (exit 2).
 */
export async function verifyWebhookCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(verifyWebhookCommandSpec, args);
  const method = (typeof values.method === "string" ? values.method : "POST").toUpperCase();
  if (typeof values.body !== "string" && method === "POST") throw new UsageError("--body <file> is required for a POST");
  const catalog = await loadVendorsForCommand(io, vendorSelection(values), positionals[0]);
  const vendor = findVendor(catalog.vendors, positionals[0], catalog.skipped.map((v) => v.id));
  // The hooks `serve` would run beside the manifest run here too: a request serve refuses is refused here.
  const hooks = await loadHooksBeside(vendor);
  const credentials = cliCredentials(vendor, {
    secret: values.secret as string | undefined,
    clientId: values["client-id"] as string | undefined,
    settings: stringList(values.setting),
  });
  const headers = typeof values.headers === "string" ? parseHeaders(await readFile(resolve(io.cwd, values.headers), "utf8")) : {};
  const rawBody = typeof values.body === "string" ? await readFile(resolve(io.cwd, values.body)) : Buffer.alloc(0);
  const now = typeof values.now === "string" ? parseNow(values.now) : Date.now();
  const processor = createWebhookProcessor({
    vendors: [vendor],
    credentials: { [vendor.id]: credentials },
    replayCache: new MemoryReplayCache({ clock: () => now }),
    clock: () => now,
    ...(hooks ? { hooks: { [vendor.id]: hooks } } : {}),
  });
  const sourceIp = values["source-ip"];
  const request = {
    method,
    url: typeof values.url === "string" ? values.url : `/webhooks/${vendor.id}`,
    headers,
    rawBody,
    ...(typeof sourceIp === "string" ? { sourceIp } : {}),
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
