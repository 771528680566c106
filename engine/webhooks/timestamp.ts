import { ConnectorError } from "../errors.js";
import type { TimestampHeader } from "../manifest/manifest.generated.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";

/**
 * Checks a sent timestamp is within tolerance of `nowMs`, in either direction. `raw` is the timestamp header, or the
 * field of the signature header that carries it (`where` names it in messages). Returns the raw text: it is what is signed.
 */
export function checkTimestamp(spec: DeepReadonly<TimestampHeader>, raw: string | undefined, where: string, nowMs: number, vendor: string): string {
  const value = raw?.trim();
  if (!value) throw new ConnectorError("missing_header", `${where} is missing`, { vendor });
  if (!/^\d{1,16}$/.test(value)) throw new ConnectorError("stale_timestamp", `${where} is not a Unix time`, { vendor });
  const sentMs = spec.unit === "ms" ? Number(value) : Number(value) * 1000;
  const skewSeconds = Math.abs(nowMs - sentMs) / 1000;
  if (skewSeconds > spec.toleranceSeconds) {
    throw new ConnectorError("stale_timestamp", `${where} is ${Math.round(skewSeconds)} s away from now (tolerance ${spec.toleranceSeconds} s)`, { vendor });
  }
  return value;
}
