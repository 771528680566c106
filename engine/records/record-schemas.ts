import type { ErrorObject } from "ajv";
import * as generatedValidators from "./record-validators.generated.js";
import type { HealthRecord } from "./records.generated.js";

export type RecordType = HealthRecord["type"];

/** ajv's validate function as its standalone code exports it: errors on the function after a failed call. */
export interface RecordValidator {
  (record: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/**
 * One validator per record type, compiled by ajv from schema/records when `npm run generate:types` runs (standalone
 * code), so neither a process nor a Lambda bundle carries the schema compiler or compiles at start-up. They validate
 * records the engine makes: `id` is only checked to be a string, since `recordId` alone writes it (its UUID form is
 * pinned by test/records); everything a mapping gives is checked against the schema in full.
 */
const VALIDATORS = new Map<string, RecordValidator>(Object.entries(generatedValidators as Record<string, RecordValidator>));

/** Every record type of schema/records. */
export const RECORD_TYPES: readonly RecordType[] = [...VALIDATORS.keys()] as RecordType[];

export function recordValidator(type: string): RecordValidator | undefined {
  return VALIDATORS.get(type);
}

/** The first failure as a JSON pointer into the record and a message that quotes no value of the record. */
export function describeRecordError(error: ErrorObject | undefined): { path: string; message: string } {
  if (!error) return { path: "", message: "is invalid" };
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return { path: `${error.instancePath}/${String(params.additionalProperty)}`, message: "is not a field of this record type" };
    case "required":
      return { path: `${error.instancePath}/${String(params.missingProperty)}`, message: "is required" };
    case "const":
      return { path: error.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case "enum":
      return { path: error.instancePath, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "not":
      return { path: error.instancePath, message: "needs at least one measurement" };
    default:
      return { path: error.instancePath, message: error.message ?? error.keyword };
  }
}
