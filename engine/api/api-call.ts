import type { KyInstance } from "ky";
import { ConnectorError } from "../errors.js";
import type { ApiCall } from "../manifest/manifest.generated.js";
import { renderTemplate, type TemplateLookup } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";

export interface ApiCallResult {
  readonly status: number;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  readonly body: unknown;
}

/**
 * Performs a manifest ApiCall (afterAuthorization, profile) through a vendor API client. Path, query and string
 * values of the JSON body are templates. A status outside `acceptStatus` (default: any 2xx) is a vendor_api_error.
 */
export async function performApiCall(
  client: KyInstance,
  call: DeepReadonly<ApiCall>,
  lookup: TemplateLookup,
  vendor: string,
): Promise<ApiCallResult> {
  const path = renderTemplate(call.path, lookup).replace(/^\/+/, "");
  const searchParams: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.query ?? {})) searchParams[name] = renderTemplate(value, lookup);
  const response = await client(path, {
    method: call.method,
    searchParams,
    throwHttpErrors: false,
    ...(call.json === undefined ? {} : { json: renderJson(call.json, lookup) }),
  });
  const accepted = call.acceptStatus ? call.acceptStatus.includes(response.status) : response.ok;
  const text = await response.text();
  if (!accepted) {
    throw new ConnectorError("vendor_api_error", `${vendor}: ${call.method} ${call.path} answered ${response.status}`, {
      vendor,
      details: { status: response.status, path: call.path },
    });
  }
  let body: unknown;
  try {
    body = text.trim() === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

export function renderJson(value: unknown, lookup: TemplateLookup): unknown {
  if (typeof value === "string") return renderTemplate(value, lookup);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, lookup));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, renderJson(inner, lookup)]));
  }
  return value;
}
