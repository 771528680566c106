/** The range a JavaScript Date can hold, in milliseconds either side of the epoch. */
const MAX_TIME_MS = 8.64e15;

/**
 * UTC times to the second, as vendors send them: `Date` would hand back the same digits, so they are kept without a
 * parse and a format. Days past 28 are left to `Date`, which rolls an impossible day (02-30) into the next month.
 */
const PLAIN_UTC_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?(?:Z|\+00:00)$/;

/** Strings that parse as a time become ISO 8601 UTC; numbers are Unix seconds (or milliseconds when too large for seconds). */
export function toIsoTime(value: unknown): string | undefined {
  if (typeof value === "number") return isoFromMillis(Math.abs(value) > 1e11 ? value : value * 1000);
  if (typeof value !== "string") return undefined;
  // test, not exec: no match array per event. The layout is fixed: 19 characters, maybe ".ddd", then Z or +00:00.
  if (PLAIN_UTC_TIME.test(value)) {
    const withMillis = value.charCodeAt(19) === 0x2e;
    if (withMillis && value.length === 24) return value; // ...ss.dddZ already
    return `${value.slice(0, 19)}${withMillis ? value.slice(19, 23) : ".000"}Z`;
  }
  return isoFromMillis(new Date(value).getTime());
}

const DAY_MS = 86_400_000;
/** 0000-01-01 and the last millisecond of 9999: the years `toISOString` writes with four digits. */
const FOUR_DIGIT_YEARS = [-62_167_219_200_000, 253_402_300_799_999] as const;

/** The last day written, as a day count from 1970-01-01 and its fields: a payload's times mostly fall on one or two days. */
let lastDay = Number.NaN;
let lastYear = 0;
let lastMonth = 0;
let lastDayOfMonth = 0;

/**
 * `new Date(ms).toISOString()`, or undefined where no Date holds `ms`; three times faster for the years 0 to 9999,
 * which is every time a vendor sends. The calendar arithmetic is Howard Hinnant's days-to-civil algorithm, done once
 * per day in a row of times.
 */
export function isoFromMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) return undefined;
  const time = Math.trunc(ms) || 0;
  if (time < FOUR_DIGIT_YEARS[0] || time > FOUR_DIGIT_YEARS[1]) return new Date(time).toISOString();
  const days = Math.floor(time / DAY_MS);
  let rest = time - days * DAY_MS;
  if (days !== lastDay) civilDay(days);
  const year = lastYear;
  const month = lastMonth;
  const day = lastDayOfMonth;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  // One flat string from its character codes: a template of padded parts builds a tree of string pieces, which every
  // later read (the occurredAt check, JSON.stringify) first copies into one string.
  return String.fromCharCode(
    ZERO + Math.floor(year / 1000), ZERO + (Math.floor(year / 100) % 10), ZERO + (Math.floor(year / 10) % 10), ZERO + (year % 10), DASH,
    ZERO + Math.floor(month / 10), ZERO + (month % 10), DASH,
    ZERO + Math.floor(day / 10), ZERO + (day % 10), LETTER_T,
    ZERO + Math.floor(hours / 10), ZERO + (hours % 10), COLON,
    ZERO + Math.floor(minutes / 10), ZERO + (minutes % 10), COLON,
    ZERO + Math.floor(seconds / 10), ZERO + (seconds % 10), DOT,
    ZERO + Math.floor(millis / 100), ZERO + (Math.floor(millis / 10) % 10), ZERO + (millis % 10), LETTER_Z,
  );
}

const [ZERO, DASH, COLON, DOT, LETTER_T, LETTER_Z] = [0x30, 0x2d, 0x3a, 0x2e, 0x54, 0x5a];

/** Sets the last day written to a day counted from 1970-01-01 (years 0 to 9999). */
function civilDay(days: number): void {
  const shifted = days + 719_468; // days from 0000-03-01, when leap days fall at a year's end
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  lastDayOfMonth = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  lastMonth = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  lastYear = yearOfEra + era * 400 + (lastMonth <= 2 ? 1 : 0);
  lastDay = days;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Hinnant's days-from-civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/**
 * `Date.parse`, at a third of its cost for the layout vendors send: YYYY-MM-DDThh:mm:ss, maybe a fraction (cut to
 * milliseconds, as Date.parse does), then Z or ±hh:mm. Anything else, and days past 28 (which Date.parse rolls into
 * the next month), is left to Date.parse itself, so the result is always Date.parse's.
 */
export function parseIsoTime(text: string): number {
  const length = text.length;
  if (length < 20) return Date.parse(text);
  const century = digitPair(text, 0);
  const yearOfCentury = digitPair(text, 2);
  const month = digitPair(text, 5);
  const day = digitPair(text, 8);
  const hours = digitPair(text, 11);
  const minutes = digitPair(text, 14);
  const seconds = digitPair(text, 17);
  if (
    century < 0 || yearOfCentury < 0 || month < 1 || month > 12 || day < 1 || day > 28 || hours > 23 || minutes > 59 || seconds > 59 ||
    hours < 0 || minutes < 0 || seconds < 0 ||
    text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(10) !== 0x54 || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a
  ) {
    return Date.parse(text);
  }
  let at = 19;
  let millis = 0;
  if (text.charCodeAt(at) === 0x2e) {
    const first = ++at;
    for (; at < length; at++) {
      const digit = text.charCodeAt(at) - 0x30;
      if (digit < 0 || digit > 9) break;
      if (at < first + 3) millis += digit * (at === first ? 100 : at === first + 1 ? 10 : 1);
    }
    if (at === first) return Date.parse(text);
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 0x5a && at + 1 === length) offsetMinutes = 0;
  else if ((zone === 0x2b || zone === 0x2d) && at + 6 === length && text.charCodeAt(at + 3) === 0x3a) {
    const offsetHours = digitPair(text, at + 1);
    const offsetRest = digitPair(text, at + 4);
    if (offsetHours < 0 || offsetHours > 23 || offsetRest < 0 || offsetRest > 59) return Date.parse(text);
    offsetMinutes = (zone === 0x2d ? -1 : 1) * (offsetHours * 60 + offsetRest);
  } else return Date.parse(text);
  return daysFromCivil(century * 100 + yearOfCentury, month, day) * DAY_MS + hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + millis - offsetMinutes * 60_000;
}

/** The two decimal digits at `at` as a number, or -1. */
export function digitPair(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 0x30;
  const ones = text.charCodeAt(at + 1) - 0x30;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}
