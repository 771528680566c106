/**
 * Functions record mappings may call, beside JSONata's own: unit conversion, time normalisation and a vendor's
 * series as samples. Each takes a missing value to a missing value, so a field the vendor left out stays out of the
 * record instead of becoming NaN or an error.
 */
import { convert, decimal, glucoseToMgPerDl } from "./units.js";
import { clockSegments, clockSeries, dateOf, durationSeconds, fromSeconds, localDate, localToUtc, offsetAt, offsetFromMinutes, offsetInZone, offsetFromSeconds, offsetOf, series, utc } from "./record-time.js";
import { sportOf } from "./sport.js";

/** `{ value, unit }` (Open mHealth unit-value), or nothing when the value is missing. */
function quantity(value: unknown, unit: unknown): { value: number; unit: string } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || typeof unit !== "string") throw new TypeError(`$quantity: ${typeof value} is not a number`);
  return { value, unit };
}

/**
 * The distinct strings and numbers of a list, in first-seen order (a value alone is a list of one): the keys to
 * total a vendor's interval data by, such as the local days of its step counts.
 */
function unique(values: unknown): (string | number)[] | undefined {
  if (values === undefined || values === null) return undefined;
  const list = Array.isArray(values) ? values : [values];
  const seen = new Set<string | number>();
  for (const value of list) {
    if (typeof value !== "string" && (typeof value !== "number" || !Number.isFinite(value))) throw new TypeError(`$unique: ${value === null ? "null" : typeof value} is not a string or number`);
    seen.add(value);
  }
  return [...seen];
}

/**
 * A value the vendor measured: a finite number, or nothing for a field left out, null or not a number (Garmin's and
 * Withings' unmeasured fields are absent or null, a Dexcom reading out of range has a null value). Lets a mapping
 * leave a field out, or give no record, instead of writing null into a record or failing on arithmetic with null.
 */
function measured(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Always a list: nothing is [], a list stays itself, one value is a list of one. A JSONata filter gives nothing, one
 * item or a list; a record field that must be a list (sleep stages) takes it through this.
 */
function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export const RECORD_FUNCTIONS = {
  quantity,
  measured,
  list,
  convert,
  kjToKcal: (value: unknown) => convert(value, "kJ", "kcal"),
  msToS: (value: unknown) => convert(value, "ms", "s"),
  decimal,
  glucoseMgdl: glucoseToMgPerDl,
  utc,
  offsetOf,
  offsetFromSeconds,
  offsetFromMinutes,
  offsetAt,
  offsetInZone,
  localToUtc,
  fromSeconds,
  durationSeconds,
  localDate,
  dateOf,
  unique,
  series,
  clockSeries,
  clockSegments,
  sport: sportOf,
} as const satisfies Record<string, (...args: never[]) => unknown>;

export type RecordFunctionName = keyof typeof RECORD_FUNCTIONS;

/** The helpers as one shared bindings object without a prototype, so no name resolves to Object.prototype's members. */
export const RECORD_FUNCTION_BINDINGS: Readonly<Record<string, unknown>> = Object.freeze(Object.assign(Object.create(null) as Record<string, unknown>, RECORD_FUNCTIONS));
