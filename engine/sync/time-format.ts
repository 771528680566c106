import type { StreamRequest } from "../manifest/manifest.generated.js";

export type TimeFormat = NonNullable<StreamRequest["timeFormat"]>;

/** A window bound (epoch ms, UTC) as the stream's request wants it. */
export function formatWindowTime(ms: number, format: TimeFormat = "iso"): string {
  const iso = new Date(ms).toISOString();
  switch (format) {
    case "iso":
      return iso;
    case "iso-seconds":
      return `${iso.slice(0, 19)}Z`;
    case "iso-local":
      return iso.slice(0, 19);
    case "date":
      return iso.slice(0, 10);
    case "epoch-seconds":
      return String(Math.floor(ms / 1000));
    case "epoch-milliseconds":
      return String(ms);
  }
}

/** A record's cursor value (ISO 8601 text, epoch seconds or milliseconds) as epoch ms; undefined when it is neither. */
export function parseRecordTime(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  if (typeof value !== "string" || value === "") return undefined;
  if (/^\d+$/.test(value)) return parseRecordTime(Number(value));
  // A time without a zone (Dexcom receivers) is read as UTC.
  const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  const parsed = Date.parse(withZone);
  return Number.isNaN(parsed) ? undefined : parsed;
}
