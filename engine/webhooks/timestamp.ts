import { ConnectorError } from "../errors.js";
import type { TimestampHeader } from "../manifest/manifest.generated.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import type { HeaderReader } from "./request.js";

/** Reads the timestamp header and checks it is within tolerance of `nowMs`, in either direction. Returns the raw header text (it is what is signed). */
export function checkTimestamp(spec: DeepReadonly<TimestampHeader>, header: HeaderReader, nowMs: number, vendor: string): string {
  const raw = header(spec.header)?.trim();
  if (!raw) throw new ConnectorError("missing_header", `${spec.header} header is missing`, { vendor });
  if (!/^\d{1,16}$/.test(raw)) throw new ConnectorError("stale_timestamp", `${spec.header} is not a Unix time`, { vendor });
  const sentMs = spec.unit === "ms" ? Number(raw) : Number(raw) * 1000;
  const skewSeconds = Math.abs(nowMs - sentMs) / 1000;
  if (skewSeconds > spec.toleranceSeconds) {
    throw new ConnectorError("stale_timestamp", `${spec.header} is ${Math.round(skewSeconds)} s away from now (tolerance ${spec.toleranceSeconds} s)`, { vendor });
  }
  return raw;
}
