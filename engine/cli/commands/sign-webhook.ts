import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { signWebhook } from "../../webhooks/index.js";
import { UsageError, type CliIo } from "../io.js";
import { findVendor, loadVendorsForCommand } from "../load-vendors.js";
import { cliCredentials } from "../webhook-credentials.js";

/** `sign-webhook <vendor> --body <file> --secret <secret> [--timestamp <t>]`: the headers the vendor would send, as JSON. */
export async function signWebhookCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      body: { type: "string" },
      secret: { type: "string" },
      timestamp: { type: "string" },
      id: { type: "string" },
      "client-id": { type: "string" },
      setting: { type: "string", multiple: true },
      vendors: { type: "string", multiple: true },
      "private-key": { type: "string" },
    },
  });
  if (!values.body) throw new UsageError("--body <file> is required");
  const vendor = findVendor(await loadVendorsForCommand(io, values.vendors ?? []), positionals[0]);
  const credentials = cliCredentials(vendor, { secret: values.secret, clientId: values["client-id"], settings: values.setting });
  const body = await readFile(values.body);
  const headers = signWebhook(vendor, credentials, body, {
    ...(values.timestamp !== undefined ? { timestamp: values.timestamp } : {}),
    ...(values.id !== undefined ? { id: values.id } : {}),
    // Asymmetric schemes: a test key of your own (PEM file); the engine is then given its public half.
    ...(values["private-key"] !== undefined ? { privateKey: await readFile(values["private-key"], "utf8") } : {}),
  });
  io.out(JSON.stringify(headers, null, 2));
  return 0;
}
