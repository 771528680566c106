/**
 * Times for records: instants in UTC, and the user's local offset kept beside them. Vendors send
 * `2026-05-24T23:18:00-04:00`, `...Z`, local times with a separate offset in seconds or minutes, epoch seconds or
 * milliseconds, and ISO 8601 durations (Polar's PT7H29M).
 */
import { digitPair, isoFromMillis, parseIsoTime } from "../iso-time.js";

const HH_MM_OFFSET = /^[+-]\d{2}:\d{2}$/;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** An ISO 8601 time with an offset (or Z) as a UTC instant; numbers are epoch seconds. Undefined in, undefined out. */
export function utc(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return isoFromMillis(instantMillis(value, "$utc")) ?? invalid("$utc", value);
}

/** What `utc` reads, as epoch milliseconds: an ISO 8601 time with an offset (or Z), or epoch seconds. */
function instantMillis(value: unknown, name: string): number {
  if (typeof value === "number") return value * 1000;
  if (typeof value !== "string" || offsetSuffixLength(value) === 0) return invalid(name, value);
  const millis = parseIsoTime(value);
  return Number.isNaN(millis) ? invalid(name, value) : millis;
}

/** A +hh:mm offset in minutes east of UTC. */
function offsetMinutes(offset: string): number {
  return (offset.startsWith("-") ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

/** The offset of an ISO 8601 time as +hh:mm (Z is +00:00). */
export function offsetOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const suffix = typeof value === "string" ? offsetSuffixLength(value) : 0;
  if (suffix === 0) return invalid("$offsetOf", value);
  const offset = (value as string).slice(-suffix);
  if (offset === "Z") return "+00:00";
  return offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
}

/**
 * How long the offset at the end of a time is: 1 for Z, 6 for ±hh:mm, 5 for ±hhmm, 0 without one (what
 * /(Z|[+-]\d{2}:?\d{2})$/ matches, without trying the pattern at every position of the text).
 */
function offsetSuffixLength(text: string): number {
  const end = text.length;
  if (end === 0) return 0;
  if (text.charCodeAt(end - 1) === 0x5a) return 1;
  if (end < 5 || !isDigit(text, end - 1) || !isDigit(text, end - 2)) return 0;
  if (end >= 6 && text.charCodeAt(end - 3) === 0x3a && isDigit(text, end - 4) && isDigit(text, end - 5) && isSign(text, end - 6)) return 6;
  return isDigit(text, end - 3) && isDigit(text, end - 4) && isSign(text, end - 5) ? 5 : 0;
}

function isDigit(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code >= 0x30 && code <= 0x39;
}

function isSign(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code === 0x2b || code === 0x2d;
}

/** An offset given in seconds (Garmin) or minutes (Polar) east of UTC, as +hh:mm. */
export function offsetFromSeconds(seconds: unknown): string | undefined {
  if (seconds === undefined || seconds === null) return undefined;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || Math.abs(seconds) > 14 * 3600) return invalid("$offsetFromSeconds", seconds);
  const sign = seconds < 0 ? "-" : "+";
  const minutes = Math.round(Math.abs(seconds) / 60);
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export function offsetFromMinutes(minutes: unknown): string | undefined {
  if (minutes === undefined || minutes === null) return undefined;
  return typeof minutes === "number" ? offsetFromSeconds(minutes * 60) : invalid("$offsetFromMinutes", minutes);
}

/** A local time without an offset (2026-05-24T07:30:00) and the offset it was in, as a UTC instant. */
export function localToUtc(local: unknown, offset: unknown): string | undefined {
  if (local === undefined || local === null || offset === undefined || offset === null) return undefined;
  if (typeof local !== "string" || !LOCAL_TIME.test(local)) return invalid("$localToUtc", local);
  const withOffset = typeof offset === "number" ? offsetFromSeconds(offset) : typeof offset === "string" && HH_MM_OFFSET.test(offset) ? offset : invalid("$localToUtc", offset);
  return utc(`${local}${withOffset}`);
}

/** Epoch seconds as a UTC instant (JSONata's own $fromMillis takes milliseconds). */
export function fromSeconds(seconds: unknown): string | undefined {
  if (seconds === undefined || seconds === null) return undefined;
  return typeof seconds === "number" ? (isoFromMillis(seconds * 1000) ?? invalid("$fromSeconds", seconds)) : invalid("$fromSeconds", seconds);
}

const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
/** A protobuf Duration in its JSON form (Google's APIs: "3600s", "-14400s", "1.5s"), at most nanoseconds. */
const PROTO_DURATION = /^-?\d{1,12}(\.\d{1,9})?s$/;

/**
 * An ISO 8601 duration (days and times; no years or months, which have no fixed length) in seconds; or a protobuf
 * JSON duration ("-14400s", Google Health's UTC offsets and durations), the one form that may be negative.
 */
export function durationSeconds(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && PROTO_DURATION.test(value)) {
    const seconds = Number(value.slice(0, -1));
    // Up to three decimals already reads as the milliseconds-rounded number; only finer fractions are rounded.
    const dot = value.indexOf(".");
    return dot === -1 || value.length - dot - 2 <= 3 ? seconds || 0 : Number(seconds.toFixed(3)); // -0 is 0, as toFixed writes it
  }
  const match = typeof value === "string" && value !== "P" && value !== "PT" ? ISO_DURATION.exec(value) : null;
  if (!match) return invalid("$durationSeconds", value);
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part))) as [number, number, number, number];
  return Number((days * 86_400 + hours * 3600 + minutes * 60 + seconds).toFixed(3));
}


/**
 * The user's calendar day (YYYY-MM-DD) at an instant (ISO 8601 with an offset or Z) in a local offset (+hh:mm, or
 * seconds east of UTC): how a vendor's interval data is totalled per local day.
 */
export function localDate(instant: unknown, offset: unknown): string | undefined {
  if (instant === undefined || instant === null || offset === undefined || offset === null) return undefined;
  const millis = instantMillis(instant, "$utc");
  let seconds: number;
  if (typeof offset === "number") {
    if (offsetFromSeconds(offset) === undefined) return undefined;
    seconds = offset;
  } else if (typeof offset === "string" && HH_MM_OFFSET.test(offset)) {
    seconds = offsetMinutes(offset) * 60;
  } else {
    return invalid("$localDate", offset);
  }
  return isoFromMillis(millis + seconds * 1000)?.slice(0, 10) ?? invalid("$localDate", instant);
}

/** A calendar date given as parts ({ year, month, day }: google.type.Date) as YYYY-MM-DD; a partial date is an error. */
export function dateOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const { year, month, day } = (typeof value === "object" ? value : {}) as { year?: unknown; month?: unknown; day?: unknown };
  const whole = (part: unknown, min: number, max: number): part is number => typeof part === "number" && Number.isInteger(part) && part >= min && part <= max;
  if (!whole(year, 1, 9999) || !whole(month, 1, 12) || !whole(day, 1, daysInMonth(year, month))) return invalid("$dateOf", value);
  return `${String(year).padStart(4, "0")}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in a month of the proleptic Gregorian calendar (Date's). */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * A vendor's evenly spaced series (Oura's 5-minute heart rate and HRV: a start, an interval in seconds and the values,
 * null where there was no reading) as samples with their instants; the nulls are left out.
 */
export function series(start: unknown, intervalSeconds: unknown, values: unknown): { dateTime: string; value: number }[] | undefined {
  if (start === undefined || values === undefined || values === null) return undefined;
  const startInstant = utc(start);
  if (!startInstant || typeof intervalSeconds !== "number" || !(intervalSeconds > 0)) return invalid("$series", intervalSeconds);
  const list = Array.isArray(values) ? values : [values];
  const startMillis = parseIsoTime(startInstant);
  const samples: { dateTime: string; value: number }[] = [];
  for (let i = 0; i < list.length; i++) {
    const value = list[i];
    if (typeof value === "number" && Number.isFinite(value)) samples.push({ dateTime: isoFromMillis(startMillis + i * intervalSeconds * 1000)!, value });
  }
  return samples;
}

/** Values are named only by their type: a payload's value may be a health measurement and stays out of messages. */
function invalid(name: string, value: unknown): never {
  throw new TypeError(`${name}: unexpected ${value === null ? "null" : typeof value}`);
}

/** Formats by zone name; null for a name that is no zone (Intl takes as long to refuse one as to make a format). */
const offsetFormats = new Map<string, Intl.DateTimeFormat | null>();
/** Offsets by zone, then quarter hour: zones change offset only at quarter-hour instants, and Intl is slow (~20 us). */
const offsetCache = new Map<string, Map<number, string>>();
let offsetsCached = 0;
const QUARTER_HOUR_MS = 900_000;

/** The offset an IANA time zone (Withings' "Europe/Paris") had at an instant (epoch seconds or a UTC time), as +hh:mm. */
export function offsetAt(instant: unknown, timeZone: unknown): string | undefined {
  if (instant === undefined || instant === null || timeZone === undefined || timeZone === null) return undefined;
  const millis = zoneInstantMillis(instant);
  if (!Number.isFinite(millis) || typeof timeZone !== "string") return invalid("$offsetAt", instant);
  return zoneOffset(millis, timeZone) ?? invalid("$offsetAt", timeZone);
}

/**
 * `offsetAt` for a zone name the vendor documents only by example (Wahoo's summaries: "America/Denver"): a name that
 * is no zone this runtime knows, or an instant that is none, gives no offset instead of failing the whole record,
 * since the offset is an extra and the measurement is not. No exception is made for it on the way (an error's stack
 * costs more than the rest of a record).
 */
export function offsetInZone(instant: unknown, timeZone: unknown): string | undefined {
  if (instant === undefined || instant === null || typeof timeZone !== "string" || timeZone === "") return undefined;
  const millis = zoneInstantMillis(instant);
  return Number.isFinite(millis) ? zoneOffset(millis, timeZone) : undefined;
}

/** The instant `offsetAt` and `offsetInZone` take (epoch seconds or an ISO 8601 time) in epoch milliseconds; NaN for anything else. */
function zoneInstantMillis(instant: unknown): number {
  return typeof instant === "number" ? instant * 1000 : typeof instant === "string" ? parseIsoTime(instant) : Number.NaN;
}

/** The zone's offset at the instant, from the caches; undefined for a name that is no zone. */
function zoneOffset(millis: number, timeZone: string): string | undefined {
  const quarter = Math.floor(millis / QUARTER_HOUR_MS);
  const cached = offsetCache.get(timeZone)?.get(quarter);
  if (cached) return cached;
  let format = offsetFormats.get(timeZone);
  if (format === null) return undefined;
  if (!format) {
    try {
      format = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    } catch {
      if (offsetFormats.size < 1000) offsetFormats.set(timeZone, null);
      return undefined;
    }
    if (offsetFormats.size < 1000) offsetFormats.set(timeZone, format);
  }
  const name = format.formatToParts(millis).find((part) => part.type === "timeZoneName")?.value ?? "";
  const offset = name === "GMT" ? "+00:00" : /^GMT[+-]\d{2}:\d{2}$/.test(name) ? name.slice(3) : undefined;
  if (offset === undefined) return undefined;
  if (offsetsCached >= 10_000) {
    offsetCache.clear();
    offsetsCached = 0;
  }
  let zoneOffsets = offsetCache.get(timeZone);
  if (!zoneOffsets) offsetCache.set(timeZone, (zoneOffsets = new Map()));
  zoneOffsets.set(quarter, offset);
  offsetsCached++;
  return offset;
}

/**
 * Samples keyed by local clock time ("00:41": 76, Polar's sleep heart rate) as UTC samples. The keys follow the
 * local day of `start` (an ISO time with its offset) and roll over to the next day when the clock goes back, so a
 * night from 23:10 to 07:00 stays in order. The offset of `start` is used throughout (a daylight-saving change
 * during the night would shift the later samples by the change).
 */
export function clockSeries(start: unknown, samples: unknown): { dateTime: string; value: number }[] | undefined {
  if (start === undefined || start === null || samples === undefined || samples === null) return undefined;
  const { millis, values } = clockInstants(start, samples);
  const result: { dateTime: string; value: number }[] = [];
  for (let i = 0; i < millis.length; i++) result.push({ dateTime: isoFromMillis(millis[i]!)!, value: values[i]! });
  return result;
}

/** The instants (epoch milliseconds) and values of `clockSeries`, in the keys' order. */
function clockInstants(start: unknown, samples: unknown): { millis: number[]; values: number[] } {
  if (typeof start !== "string" || typeof samples !== "object" || samples === null || Array.isArray(samples)) return invalid("$clockSeries", samples);
  const startMillis = parseIsoTime(start);
  const offset = offsetOf(start);
  const local = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(start);
  if (!local || Number.isNaN(startMillis) || !offset) return invalid("$clockSeries", start);
  const midnightUtc = parseIsoTime(`${local[1]}T00:00:00Z`) - offsetMinutes(offset) * 60_000;
  let previous = Number(local[2]) * 60 + Number(local[3]);
  let day = 0;
  const millis: number[] = [];
  const values: number[] = [];
  const keyed = samples as Record<string, unknown>;
  for (const clock of Object.keys(keyed)) {
    const value = keyed[clock];
    // hh:mm or hh:mm:ss, two digits each (any two: "24:00" counts as the next midnight, as it always has)
    const clockLength = clock.length;
    const valid =
      (clockLength === 5 || (clockLength === 8 && clock.charCodeAt(5) === 0x3a)) && clock.charCodeAt(2) === 0x3a && digitPair(clock, 0) >= 0 && digitPair(clock, 3) >= 0 && (clockLength === 5 || digitPair(clock, 6) >= 0);
    if (!valid || typeof value !== "number" || !Number.isFinite(value)) return invalid("$clockSeries", value);
    const minute = digitPair(clock, 0) * 60 + digitPair(clock, 3);
    if (minute < previous) day++;
    previous = minute;
    millis.push(midnightUtc + (day * 1440 + minute) * 60_000 + (clockLength === 8 ? digitPair(clock, 6) : 0) * 1000);
    values.push(value);
  }
  return { millis, values };
}

/**
 * A hypnogram keyed by local clock time (`"00:39": 2`, Polar sleep: each key starts a stage that lasts until the next
 * key, the last one until `end`) as UTC segments `{ startDateTime, endDateTime, value }`. Keys roll over midnight as in
 * `clockSeries`; the first segment starts no earlier than `start` (keys are whole minutes, `start` has seconds), and a
 * segment left empty by that is dropped.
 */
export function clockSegments(start: unknown, end: unknown, stages: unknown): { startDateTime: string; endDateTime: string; value: number }[] | undefined {
  if (start === undefined || start === null || end === undefined || end === null || stages === undefined || stages === null) return undefined;
  const { millis, values } = clockInstants(start, stages);
  const first = utc(start)!;
  const last = utc(end)!;
  const firstMillis = parseIsoTime(first);
  const lastMillis = parseIsoTime(last);
  if (lastMillis < firstMillis) return invalid("$clockSegments", end);
  const segments: { startDateTime: string; endDateTime: string; value: number }[] = [];
  let from = millis.length > 0 && millis[0]! >= firstMillis ? isoFromMillis(millis[0]!)! : first;
  for (let i = 0; i < millis.length; i++) {
    const fromMillis = Math.max(millis[i]!, firstMillis);
    const nextMillis = i + 1 < millis.length ? millis[i + 1]! : lastMillis;
    const to = i + 1 < millis.length ? isoFromMillis(nextMillis)! : last;
    if (nextMillis > fromMillis) segments.push({ startDateTime: from, endDateTime: to, value: values[i]! });
    from = nextMillis < firstMillis ? first : to;
  }
  return segments;
}
