/**
 * Unit conversion for record mappings. Units are UCUM codes; a conversion between two units of one dimension is a
 * factor to a base unit (temperatures also an offset). Only the units wearable APIs send are known: a typo in a
 * manifest is an error at its first use rather than a silently wrong number.
 */
interface Unit {
  readonly dimension: "time" | "energy" | "length" | "mass" | "temperature" | "ratio";
  /** value in the base unit = value * factor + offset */
  readonly factor: number;
  readonly offset?: number;
}

const UNITS: Readonly<Record<string, Unit>> = {
  ms: { dimension: "time", factor: 0.001 },
  s: { dimension: "time", factor: 1 },
  min: { dimension: "time", factor: 60 },
  h: { dimension: "time", factor: 3600 },
  d: { dimension: "time", factor: 86_400 },
  J: { dimension: "energy", factor: 1 },
  kJ: { dimension: "energy", factor: 1000 },
  cal: { dimension: "energy", factor: 4.184 },
  kcal: { dimension: "energy", factor: 4184 },
  mm: { dimension: "length", factor: 0.001 },
  cm: { dimension: "length", factor: 0.01 },
  m: { dimension: "length", factor: 1 },
  km: { dimension: "length", factor: 1000 },
  "[mi_i]": { dimension: "length", factor: 1609.344 },
  "[ft_i]": { dimension: "length", factor: 0.3048 },
  g: { dimension: "mass", factor: 0.001 },
  kg: { dimension: "mass", factor: 1 },
  "[lb_av]": { dimension: "mass", factor: 0.45359237 },
  Cel: { dimension: "temperature", factor: 1, offset: 273.15 },
  K: { dimension: "temperature", factor: 1 },
  "[degF]": { dimension: "temperature", factor: 5 / 9, offset: 255.3722222222222 },
  "%": { dimension: "ratio", factor: 0.01 },
  "1": { dimension: "ratio", factor: 1 },
};

/** Names a JSONata author may write for a UCUM unit. */
const ALIASES: Readonly<Record<string, string>> = { mi: "[mi_i]", ft: "[ft_i]", lb: "[lb_av]", degF: "[degF]", C: "Cel", sec: "s", ratio: "1" };

function unitOf(code: string): Unit {
  const unit = UNITS[ALIASES[code] ?? code];
  if (!unit) throw new TypeError(`unknown unit "${code.slice(0, 32)}" (known: ${Object.keys(UNITS).join(", ")})`);
  return unit;
}

/** `value` in `from` expressed in `to`; undefined in gives undefined out (a field the vendor left out stays out). */
export function convert(value: unknown, from: string, to: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new TypeError(`$convert: ${typeof value} is not a number`);
  const source = unitOf(from);
  const target = unitOf(to);
  if (source.dimension !== target.dimension) throw new TypeError(`$convert: cannot convert ${from} to ${to}`);
  if (source === target) return value;
  const base = value * source.factor + (source.offset ?? 0);
  return roundNoise((base - (target.offset ?? 0)) / target.factor);
}

/** Removes binary floating-point noise (0.1 * 3 = 0.30000000000000004) without losing a real digit. */
export function roundNoise(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(12));
}

/** Glucose's molar mass makes mmol/L to mg/dL a factor of 18.016 (180.16 g/mol / 10). */
const GLUCOSE_MG_PER_DL_PER_MMOL_PER_L = 18.016;

export function glucoseToMgPerDl(value: unknown, from: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new TypeError(`$glucoseMgdl: ${typeof value} is not a number`);
  if (from === "mg/dL") return value;
  if (from === "mmol/L") return roundNoise(value * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L);
  throw new TypeError(`$glucoseMgdl: unknown glucose unit "${from.slice(0, 16)}" (mg/dL or mmol/L)`);
}

/** `value × 10^exponent` (Withings' measures) without binary noise: 65750 × 10^-3 is 65.75. */
export function decimal(value: unknown, exponent: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || typeof exponent !== "number" || !Number.isFinite(value) || !Number.isInteger(exponent)) throw new TypeError("$decimal: value and exponent must be numbers");
  return roundNoise(value * 10 ** exponent);
}
