/** The range a JavaScript Date can hold, in milliseconds either side of the epoch. */
const MAX_TIME_MS = 8.64e15;

/**
 * UTC times to the second, as vendors send them: `Date` would hand back the same digits, so they are kept without a
 * parse and a format. Days past 28 are left to `Date`, which rolls an impossible day (02-30) into the next month.
 */
const PLAIN_UTC_TIME = /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(\.\d{3})?(Z|\+00:00)$/;

/** Strings that parse as a time become ISO 8601 UTC; numbers are Unix seconds (or milliseconds when too large for seconds). */
export function toIsoTime(value: unknown): string | undefined {
  let date: Date | undefined;
  if (typeof value === "number" && Number.isFinite(value)) {
    date = new Date(Math.abs(value) > 1e11 ? value : value * 1000);
  } else if (typeof value === "string") {
    const plain = PLAIN_UTC_TIME.exec(value);
    if (plain) return plain[2] && plain[3] === "Z" ? value : `${plain[1]}${plain[2] ?? ".000"}Z`;
    date = new Date(value);
  }
  const ms = date?.getTime();
  return ms !== undefined && Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME_MS ? date!.toISOString() : undefined;
}
