import type { KyInstance } from "ky";
import { renderJson } from "../api/api-call.js";
import { ConnectorError } from "../errors.js";
import { evaluateExpression } from "../manifest/expressions.js";
import type { SubscriptionCall } from "../manifest/manifest.generated.js";
import { renderTemplate, type TemplateLookup } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";

/**
 * Performs a declared subscription call. A status outside acceptStatus (default 2xx), or a 2xx body whose `success`
 * expression is not true (Withings' `status` envelope), is a vendor_api_error naming the call, never the body.
 */
export async function performSubscriptionCall(client: KyInstance, call: DeepReadonly<SubscriptionCall>, lookup: TemplateLookup, vendor: string, what: string): Promise<unknown> {
  const path = renderTemplate(call.path, lookup).replace(/^\/+/, "");
  const searchParams: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.query ?? {})) searchParams[name] = renderTemplate(value, lookup);
  const form = call.form ? new URLSearchParams(Object.entries(call.form).map(([name, value]): [string, string] => [name, renderTemplate(value, lookup)])) : undefined;
  const response = await client(path, {
    method: call.method,
    searchParams,
    throwHttpErrors: false,
    ...(form ? { body: form } : call.json === undefined ? {} : { json: renderJson(call.json, lookup) }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text.trim() === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    body = undefined;
  }
  const accepted = call.acceptStatus ? call.acceptStatus.includes(response.status) : response.ok;
  if (!accepted) {
    throw new ConnectorError("vendor_api_error", `${vendor}: ${what} answered ${response.status}`, { vendor, details: { status: response.status, call: what } });
  }
  if (call.success !== undefined && response.ok && (await evaluateExpression(call.success, body)) !== true) {
    throw new ConnectorError("vendor_api_error", `${vendor}: ${what} answered ${response.status} with an error in its body`, {
      vendor,
      details: { status: response.status, call: what, envelope: true },
    });
  }
  return body;
}
