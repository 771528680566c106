import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import common from "../../schema/records/common.schema.json" with { type: "json" };
import sleepSession from "../../schema/records/sleep-session.schema.json" with { type: "json" };
import workout from "../../schema/records/workout.schema.json" with { type: "json" };
import dailyActivity from "../../schema/records/daily-activity.schema.json" with { type: "json" };
import heartRate from "../../schema/records/heart-rate.schema.json" with { type: "json" };
import heartRateVariability from "../../schema/records/heart-rate-variability.schema.json" with { type: "json" };
import restingHeartRate from "../../schema/records/resting-heart-rate.schema.json" with { type: "json" };
import oxygenSaturation from "../../schema/records/oxygen-saturation.schema.json" with { type: "json" };
import respiratoryRate from "../../schema/records/respiratory-rate.schema.json" with { type: "json" };
import skinTemperature from "../../schema/records/skin-temperature.schema.json" with { type: "json" };
import bodyMeasurement from "../../schema/records/body-measurement.schema.json" with { type: "json" };
import bloodGlucose from "../../schema/records/blood-glucose.schema.json" with { type: "json" };
import vendorScore from "../../schema/records/vendor-score.schema.json" with { type: "json" };
import type { HealthRecord } from "./records.generated.js";

export type RecordType = HealthRecord["type"];

const SCHEMAS = [sleepSession, workout, dailyActivity, heartRate, heartRateVariability, restingHeartRate, oxygenSaturation, respiratoryRate, skinTemperature, bodyMeasurement, bloodGlucose, vendorScore];

/** Every record type, read from the schemas' `type` constants. */
export const RECORD_TYPES: readonly RecordType[] = SCHEMAS.map((schema) => schema.properties.type.const as RecordType);

let validators: Map<string, ValidateFunction> | undefined;

/** One compiled validator per record type, made once per process at the first record. */
export function recordValidator(type: string): ValidateFunction | undefined {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: false, strict: true, strictTypes: false, strictRequired: false });
    ajv.addSchema(common);
    validators = new Map(SCHEMAS.map((schema) => [schema.properties.type.const, ajv.compile(schema)]));
  }
  return validators.get(type);
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
