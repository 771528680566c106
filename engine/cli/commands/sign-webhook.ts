import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { signWebhook } from "../../webhooks/index.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import { UsageError, type CliIo } from "../io.js";
import { findVendor, loadVendorsForCommand, stringList, vendorOptions, vendorSelection } from "../load-vendors.js";
import { cliCredentials, credentialOptions } from "../webhook-credentials.js";

export const signWebhookCommandSpec: CliCommand = {
  summary: "print the headers the vendor would send with a body, as JSON (to test an endpoint)",
  usage: "<vendor>",
  options: {
    body: { type: "string", value: "<file>", description: "the request body to sign (required)" },
    ...credentialOptions,
    timestamp: { type: "string", value: "<t>", description: "the timestamp to sign, in the vendor's unit (default: now)" },
    id: { type: "string", value: "<id>", description: "the message id, for schemes that sign one (Standard Webhooks)" },
    "private-key": { type: "string", value: "<pem file>", description: "asymmetric schemes: sign with this test private key" },
    ...vendorOptions,
  },
  run: signWebhookCommand,
};

/** `sign-webhook <vendor> --body <file> --secret <secret> [--timestamp <t>]`: the headers the vendor would send, as JSON. */
export async function signWebhookCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(signWebhookCommandSpec, args);
  if (typeof values.body !== "string") throw new UsageError("--body <file> is required");
  const catalog = await loadVendorsForCommand(io, vendorSelection(values), positionals[0]);
  const vendor = findVendor(catalog.vendors, positionals[0], catalog.skipped.map((v) => v.id));
  const credentials = cliCredentials(vendor, {
    secret: values.secret as string | undefined,
    clientId: values["client-id"] as string | undefined,
    settings: stringList(values.setting),
  });
  const body = await readFile(resolve(io.cwd, values.body));
  const headers = signWebhook(vendor, credentials, body, {
    ...(typeof values.timestamp === "string" ? { timestamp: values.timestamp } : {}),
    ...(typeof values.id === "string" ? { id: values.id } : {}),
    // Asymmetric schemes: a test key of your own (PEM file); the engine is then given its public half.
    ...(typeof values["private-key"] === "string" ? { privateKey: await readFile(resolve(io.cwd, values["private-key"]), "utf8") } : {}),
  });
  io.out(JSON.stringify(headers, null, 2));
  return 0;
}
