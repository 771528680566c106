/* Generated from schema/records/*.schema.json by `npm run generate:types`. Do not edit by hand. */

/**
 * Any normalized health record; `type` says which. A `deletion` marker names a record to remove.
 */
export type HealthRecord =
  | SleepSessionRecord
  | WorkoutRecord
  | DailyActivityRecord
  | HeartRateRecord
  | HeartRateVariabilityRecord
  | RestingHeartRateRecord
  | OxygenSaturationRecord
  | RespiratoryRateRecord
  | SkinTemperatureRecord
  | BodyMeasurementRecord
  | BloodGlucoseRecord
  | VendorScoreRecord
  | DeletionMarker;
/**
 * asleep: sleep the vendor does not stage; unknown: no data.
 */
export type SleepStage = "awake" | "light" | "deep" | "rem" | "asleep" | "unknown";
/**
 * A coarse sport family shared by every vendor; `other` when the vendor's sport fits none.
 */
export type Sport =
  | "running"
  | "cycling"
  | "walking"
  | "hiking"
  | "swimming"
  | "strength_training"
  | "rowing"
  | "skiing"
  | "yoga"
  | "other";
/**
 * What the user was doing while measured (Open mHealth temporal_relationship_to_physical_activity / to_sleep).
 */
export type MeasurementContext = "sleep" | "workout" | "resting" | "day";
/**
 * Open mHealth effective_time_frame: an interval, an instant or a local day.
 */
export type TimeFrame = TimeInterval | PointInTime | LocalDay;

/**
 * One sleep period (IEEE 1752.1 sleep-episode): its bounds, how long each stage lasted, and the usual sleep measures. totalSleepTime is time asleep (light + deep + REM); sleepEfficiency is IEEE 1752.1 sleep_maintenance_efficiency_percentage as the vendor computes it.
 */
export interface SleepSessionRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "sleep_session";
  provenance: Provenance;
  effectiveTimeFrame: TimeInterval;
  /**
   * false for a nap (IEEE 1752.1 is_main_sleep).
   */
  isMainSleep?: boolean;
  timeInBed?: Duration;
  totalSleepTime?: Duration;
  latencyToSleepOnset?: Duration;
  sleepEfficiency?: Percentage;
  numberOfAwakenings?: number;
  /**
   * Total time in each stage. A vendor's own stage names are mapped to these (WHOOP slow wave and Polar N3 are deep; Garmin and Polar light is N1+N2).
   */
  stages: SleepStageDuration[];
  /**
   * The hypnogram, where the vendor gives one: each stage with its bounds.
   */
  segments?: SleepStageSegment[];
}
/**
 * Where a record comes from.
 */
export interface Provenance {
  /**
   * The manifest id (whoop, oura, ...).
   */
  vendor: string;
  /**
   * The vendor's own id of what this record was made from (with a suffix where one vendor record gives several records).
   */
  vendorRecordId: string;
  /**
   * The vendor's id of the user.
   */
  vendorUserId?: string;
  device?: Device;
  /**
   * The vendor's name for the data source (app, sensor, manual entry) where it gives one.
   */
  source?: string;
  /**
   * When the engine received the data (fetched or pushed).
   */
  fetchedAt: string;
}
export interface Device {
  /**
   * Model or product name as the vendor gives it.
   */
  name?: string;
  /**
   * The vendor's id of the device (serial, ring id).
   */
  id?: string;
  manufacturer?: string;
}
/**
 * Open mHealth time_interval: start and end instants.
 */
export interface TimeInterval {
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  startDateTime: string;
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  endDateTime: string;
  /**
   * The user's local offset from UTC at the time, as in ISO 8601: +hh:mm or -hh:mm.
   */
  utcOffset?: string;
}
export interface Duration {
  value: number;
  unit: "s";
}
export interface Percentage {
  value: number;
  unit: "%";
}
export interface SleepStageDuration {
  stage: SleepStage;
  duration: Duration;
}
export interface SleepStageSegment {
  stage: SleepStage;
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  startDateTime: string;
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  endDateTime: string;
}
/**
 * One exercise session (Open mHealth physical-activity). duration is the active duration where the vendor gives one, else the time frame's length; activeEnergy is the energy burned (Open mHealth kcal_burned).
 */
export interface WorkoutRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "workout";
  provenance: Provenance;
  effectiveTimeFrame: TimeInterval;
  /**
   * The sport as the vendor names it (Open mHealth activity_name).
   */
  activityName: string;
  sport?: Sport;
  duration?: Duration;
  distance?: Length;
  activeEnergy?: Energy;
  heartRate?: HeartRateSummary;
}
export interface Length {
  value: number;
  unit: "m";
}
export interface Energy {
  value: number;
  unit: "kcal";
}
/**
 * Open mHealth descriptive statistics of heart rate over the record's time frame.
 */
export interface HeartRateSummary {
  average?: HeartRate;
  minimum?: HeartRate;
  maximum?: HeartRate;
}
export interface HeartRate {
  value: number;
  unit: "{beats}/min";
}
/**
 * One day's activity totals (Open mHealth step-count, physical-activity). totalEnergy is active plus resting energy, where the vendor gives it. At least one of steps, activeEnergy and distance.
 */
export interface DailyActivityRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "daily_activity";
  provenance: Provenance;
  effectiveTimeFrame: LocalDay;
  /**
   * Step count (UCUM {steps}).
   */
  steps?: number;
  activeEnergy?: Energy;
  totalEnergy?: Energy;
  distance?: Length;
}
/**
 * A whole calendar day of the user's; the instants are given where the vendor says them.
 */
export interface LocalDay {
  /**
   * A calendar day in the user's local time, YYYY-MM-DD.
   */
  date: string;
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  startDateTime?: string;
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  endDateTime?: string;
  /**
   * The user's local offset from UTC at the time, as in ISO 8601: +hh:mm or -hh:mm.
   */
  utcOffset?: string;
}
/**
 * Heart rate samples over a period (Open mHealth heart-rate), in {beats}/min.
 */
export interface HeartRateRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "heart_rate";
  provenance: Provenance;
  effectiveTimeFrame: TimeInterval;
  unit: "{beats}/min";
  context?: MeasurementContext;
  /**
   * @minItems 1
   */
  samples: [Sample, ...Sample[]];
}
/**
 * One value of a series at an instant, in the unit the record names.
 */
export interface Sample {
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  dateTime: string;
  value: number;
}
/**
 * Heart rate variability over a measurement window (the record's time frame): RMSSD and/or SDNN in ms.
 */
export interface HeartRateVariabilityRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "heart_rate_variability";
  provenance: Provenance;
  effectiveTimeFrame: TimeFrame;
  /**
   * What the window was: a sleep, the night, a resting or spot measurement, a day.
   */
  measurementWindow: "sleep" | "night" | "resting" | "day" | "workout" | "spot";
  rmssd?: Milliseconds;
  sdnn?: Milliseconds;
  /**
   * RMSSD samples in ms, where the vendor gives a series (Oura's 5-minute HRV).
   */
  samples?: Sample[];
}
/**
 * Open mHealth date_time: one instant.
 */
export interface PointInTime {
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  dateTime: string;
  /**
   * The user's local offset from UTC at the time, as in ISO 8601: +hh:mm or -hh:mm.
   */
  utcOffset?: string;
}
export interface Milliseconds {
  value: number;
  unit: "ms";
}
/**
 * Resting heart rate (Open mHealth heart-rate with temporal_relationship_to_physical_activity at rest).
 */
export interface RestingHeartRateRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "resting_heart_rate";
  provenance: Provenance;
  effectiveTimeFrame: TimeFrame;
  heartRate: HeartRate;
}
/**
 * Blood oxygen saturation, SpO2 (Open mHealth oxygen-saturation), in %: the average over the time frame, or the spot value.
 */
export interface OxygenSaturationRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "oxygen_saturation";
  provenance: Provenance;
  effectiveTimeFrame: TimeFrame;
  oxygenSaturation: Percentage;
  /**
   * Open mHealth measurement_method.
   */
  measurementMethod?: "pulse_oximetry";
  /**
   * SpO2 samples in %, where the vendor gives a series.
   */
  samples?: Sample[];
}
/**
 * Breathing rate (Open mHealth respiratory-rate), in {breaths}/min.
 */
export interface RespiratoryRateRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "respiratory_rate";
  provenance: Provenance;
  effectiveTimeFrame: TimeFrame;
  respiratoryRate: BreathingRate;
  context?: "sleep" | "day" | "resting";
}
export interface BreathingRate {
  value: number;
  unit: "{breaths}/min";
}
/**
 * Skin temperature: the deviation from the user's baseline (most vendors) or the measured value, in Cel. A deviation is a difference of temperatures (1 Cel of difference is 1 K).
 */
export interface SkinTemperatureRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "skin_temperature";
  provenance: Provenance;
  effectiveTimeFrame: TimeFrame;
  /**
   * deviation: from the user's own baseline; absolute: the measured skin temperature.
   */
  measurement: "deviation" | "absolute";
  temperature: Temperature;
}
export interface Temperature {
  value: number;
  unit: "Cel";
}
/**
 * Body composition at an instant (Open mHealth body-weight, body-fat-percentage).
 */
export interface BodyMeasurementRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "body_measurement";
  provenance: Provenance;
  effectiveTimeFrame: TimeFrame;
  bodyWeight?: Mass;
  bodyFatPercentage?: Percentage;
  fatMass?: Mass;
  leanMass?: Mass;
}
export interface Mass {
  value: number;
  unit: "kg";
}
/**
 * Blood glucose (Open mHealth blood-glucose), in mg/dL; continuous glucose monitors measure interstitial fluid.
 */
export interface BloodGlucoseRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "blood_glucose";
  provenance: Provenance;
  effectiveTimeFrame: TimeFrame;
  bloodGlucose: BloodGlucoseConcentration;
  specimenSource?: "interstitial_fluid" | "capillary_blood" | "plasma" | "whole_blood";
  temporalRelationshipToMeal?: "fasting" | "before_meal" | "after_meal" | "not_fasting";
}
export interface BloodGlucoseConcentration {
  value: number;
  unit: "mg/dL";
}
/**
 * A score the vendor computes (WHOOP recovery, Oura readiness, sleep scores) with its scale and the vendor's own name: scores of different vendors are not comparable, so they are kept apart from measurements.
 */
export interface VendorScoreRecord {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "vendor_score";
  provenance: Provenance;
  effectiveTimeFrame: TimeFrame;
  kind: "recovery" | "readiness" | "sleep" | "strain" | "activity" | "stress" | "other";
  /**
   * The vendor's own name of the score (e.g. recovery_score, readiness.score, sleep_performance_percentage).
   */
  name: string;
  score: number;
  scale: ScoreScale;
  /**
   * The vendor's named parts of the score, as it gives them.
   */
  contributors?: {
    [k: string]: number;
  };
}
export interface ScoreScale {
  minimum: number;
  maximum: number;
  /**
   * UCUM unit where the score has one (% for a percentage).
   */
  unit?: string;
}
/**
 * The vendor deleted the data a record was made from: remove the record with this `id` (the same deterministic id the record had, made from vendor, vendor user id, `recordType` and vendor record id). A marker for a record never delivered is harmless. Not a deletion: a user revoking access or deregistering (Garmin's deregistration), which removes no data.
 */
export interface DeletionMarker {
  /**
   * Deterministic record id: a UUID (version 8) made from SHA-256 of vendor, vendor user id, record type and vendor record id. The same vendor record always gives the same id, so re-deliveries, backfills and reconciliation do not duplicate data.
   */
  id: string;
  type: "deletion";
  /**
   * The type of the record to remove.
   */
  recordType:
    | "sleep_session"
    | "workout"
    | "daily_activity"
    | "heart_rate"
    | "heart_rate_variability"
    | "resting_heart_rate"
    | "oxygen_saturation"
    | "respiratory_rate"
    | "skin_temperature"
    | "body_measurement"
    | "blood_glucose"
    | "vendor_score";
  provenance: Provenance;
  /**
   * An instant in UTC, ISO 8601 with a `Z` designator (e.g. 2026-05-24T23:18:00Z or with fractional seconds).
   */
  deletedAt?: string;
}
