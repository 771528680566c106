import type { KyInstance } from "ky";
import { performApiCall } from "../api/api-call.js";
import { ConnectorError } from "../errors.js";
import { evaluateExpression } from "../manifest/expressions.js";
import type { VendorUserId } from "../manifest/manifest.generated.js";
import type { TemplateLookup } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import type { TokenEndpointResult } from "./token-endpoint.js";

export interface VendorUserIdSources {
  readonly tokenResponse: TokenEndpointResult;
  /** An API client authorized with the new access token (for `from: profile`). */
  readonly api: () => KyInstance;
  readonly lookup: TemplateLookup;
}

/**
 * The vendor's id for the user, as the manifest says: a JSONata field of the token response (over the token
 * object first, then over the whole response, so both `x_user_id` and Withings' `body.userid` read naturally),
 * a claim of the access token JWT (read, not verified: it came straight from the token endpoint), or a profile call.
 */
export async function resolveVendorUserId(
  vendor: string,
  source: DeepReadonly<VendorUserId>,
  sources: VendorUserIdSources,
): Promise<string> {
  let value: unknown;
  switch (source.from) {
    case "tokenResponse":
      value = await evaluateExpression(source.field, sources.tokenResponse.tokenObject);
      if (value === undefined && sources.tokenResponse.response !== sources.tokenResponse.tokenObject) {
        value = await evaluateExpression(source.field, sources.tokenResponse.response);
      }
      break;
    case "accessTokenClaims":
      value = jwtClaims(sources.tokenResponse.tokens.accessToken)?.[source.claim];
      break;
    case "profile": {
      const result = await performApiCall(sources.api(), source.request, sources.lookup, vendor);
      value = await evaluateExpression(source.field, result.body);
      break;
    }
  }
  if (typeof value === "number" || typeof value === "bigint") value = String(value);
  if (typeof value !== "string" || value === "") {
    throw new ConnectorError("token_endpoint_error", `${vendor}: the vendor user id (from ${source.from}) is missing`, { vendor });
  }
  return value;
}

/** The payload of a JWT, unverified; undefined when the token is not a JWT. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as unknown;
    return payload !== null && typeof payload === "object" && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
