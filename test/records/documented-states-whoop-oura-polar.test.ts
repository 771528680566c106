/**
 * WHOOP, Oura and Polar beyond the fixtures. Documented responses that carry no measurement give no records, and no
 * error: WHOOP's PENDING_SCORE and UNSCORABLE recoveries and cycles (a `score` is "Only present if the score state is
 * SCORED"), Oura's nullable scores and SpO2, a Polar Nightly Recharge without its averages (a fixture case must expect
 * records, so these live here). And what the pull streams select from a list: WHOOP's ended, scored cycles; Polar's
 * activity days, named by their date.
 */
import { describe, expect, it } from "vitest";
import { evaluateExpression } from "../../engine/manifest/expressions.js";
import { loadVendors } from "../../engine/manifest/loader.js";
import { RecordMapper, type RecordSource } from "../../engine/records/index.js";

const context = { vendorUserId: "10129", fetchedAt: "2026-05-25T08:00:00.000Z" };

async function mapperOf(vendor: string): Promise<RecordMapper> {
  const { vendors } = await loadVendors([`vendors/${vendor}.yaml`]);
  return new RecordMapper(vendors[0]!.manifest);
}

async function recordsOf(vendor: string, source: RecordSource, data: unknown) {
  const event = source.event !== undefined ? { event: { type: source.event, userId: context.vendorUserId } } : {};
  return (await mapperOf(vendor)).map(source, data, { ...context, ...event });
}

describe("WHOOP recoveries without a score", () => {
  const recovery = { cycle_id: 93846, sleep_id: "5b1e2a3c-7d4f-4e8a-9b0c-1d2e3f4a5b6c", user_id: 10129, created_at: "2022-04-24T11:25:44.774Z", updated_at: "2022-04-24T11:25:44.774Z" };

  it.each(["PENDING_SCORE", "UNSCORABLE"])("%s gives no records, fetched or listed", async (state) => {
    expect(await recordsOf("whoop", { event: "recovery.updated" }, { ...recovery, score_state: state })).toEqual([]);
    expect(await recordsOf("whoop", { stream: "recovery" }, { ...recovery, score_state: state })).toEqual([]);
  });

  it("a scored recovery still gives its records (the control)", async () => {
    const scored = { ...recovery, score_state: "SCORED", score: { user_calibrating: false, recovery_score: 44, resting_heart_rate: 64, hrv_rmssd_milli: 31.813562 } };
    const records = await recordsOf("whoop", { event: "recovery.updated" }, scored);
    expect(records.map((record) => record.type)).toEqual(["resting_heart_rate", "heart_rate_variability", "vendor_score"]);
  });
});

describe("WHOOP cycles", () => {
  const cycle = { id: 93845, user_id: 10129, created_at: "2022-04-24T11:25:44.774Z", updated_at: "2022-04-24T14:25:44.774Z", start: "2022-04-24T02:25:44.774Z", end: "2022-04-24T10:25:44.774Z", timezone_offset: "-05:00" };
  const scored = { ...cycle, score_state: "SCORED", score: { strain: 5.2951527, kilojoule: 8288.297, average_heart_rate: 68, max_heart_rate: 141 } };

  it.each(["PENDING_SCORE", "UNSCORABLE"])("a %s cycle gives no strain", async (state) => {
    expect(await recordsOf("whoop", { stream: "cycle" }, { ...cycle, score_state: state })).toEqual([]);
  });

  it("the stream takes ended, scored cycles from a page and leaves the current one (its strain still grows)", async () => {
    const { vendors } = await loadVendors(["vendors/whoop.yaml"]);
    const stream = vendors[0]!.manifest.sync!.streams.find((candidate) => candidate.name === "cycle")!;
    const current = { ...scored, id: 93849, start: "2022-04-25T02:40:13.000Z", end: undefined };
    const pending = { ...cycle, id: 93846, score_state: "PENDING_SCORE" };
    const page = JSON.parse(JSON.stringify({ records: [current, scored, pending], next_token: "MTIzOjEyMzEyMw" }));
    const selected = await evaluateExpression(stream.records!, page);
    expect([selected].flat().map((record) => (record as { id: number }).id)).toEqual([93845]);
  });
});

describe("Oura documents whose values are null", () => {
  it("a daily sleep without a score gives no score", async () => {
    const dailySleep = { id: "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f", contributors: { deep_sleep: null, efficiency: null, latency: null, rem_sleep: null, restfulness: null, timing: null, total_sleep: null }, day: "2022-08-11", score: null, timestamp: "2022-08-11T00:00:00-04:00" };
    expect(await recordsOf("oura", { event: "daily_sleep.updated" }, dailySleep)).toEqual([]);
    expect(await recordsOf("oura", { stream: "daily_sleep" }, dailySleep)).toEqual([]);
  });

  it("a readiness without a score or temperature deviation gives nothing", async () => {
    const readiness = { id: "6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c", contributors: { activity_balance: null, hrv_balance: null }, day: "2022-08-11", score: null, temperature_deviation: null, temperature_trend_deviation: null, timestamp: "2022-08-11T00:00:00-04:00" };
    expect(await recordsOf("oura", { event: "daily_readiness.updated" }, readiness)).toEqual([]);
  });

  it("a session without heart rate or HRV samples (both nullable, or only nulls) gives no records", async () => {
    const session = { id: "6d7e8f9a-0b1c-4d2e-9f3a-4b5c6d7e8f9a", day: "2022-08-11", start_datetime: "2022-08-11T21:10:00-04:00", end_datetime: "2022-08-11T21:15:00-04:00", type: "breathing", mood: null, motion_count: null };
    expect(await recordsOf("oura", { event: "session.created" }, { ...session, heart_rate: null, heart_rate_variability: null })).toEqual([]);
    const empty = { interval: 5.0, items: [null, null], timestamp: "2022-08-11T21:10:00.000-04:00" };
    expect(await recordsOf("oura", { event: "session.created" }, { ...session, heart_rate: empty, heart_rate_variability: empty })).toEqual([]);
  });

  it("a daily SpO2 whose spo2_percentage is null (or absent) gives no record", async () => {
    const spo2 = { id: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", breathing_disturbance_index: null, day: "2022-08-11" };
    expect(await recordsOf("oura", { event: "daily_spo2.updated" }, { ...spo2, spo2_percentage: null })).toEqual([]);
    expect(await recordsOf("oura", { event: "daily_spo2.updated" }, spo2)).toEqual([]);
  });
});

describe("Polar's activity list", () => {
  it("names each day by the date of its start_time, as ACTIVITY_SUMMARY webhooks name it", async () => {
    const { vendors } = await loadVendors(["vendors/polar.yaml"]);
    const stream = vendors[0]!.manifest.sync!.streams.find((candidate) => candidate.name === "activities")!;
    const list = [{ start_time: "2025-08-13T00:00:00", end_time: "2025-08-13T23:59:59", steps: 8823 }, { start_time: "2025-08-14T00:00:00", end_time: "2025-08-14T23:59:59", steps: 6120 }];
    const selected = [await evaluateExpression(stream.records!, list)].flat();
    const ids = await Promise.all(selected.map((record) => evaluateExpression(stream.recordId!, record)));
    expect(ids).toEqual(["2025-08-13", "2025-08-14"]);
    expect(stream.webhookEvents).toEqual(["activity_summary.updated"]);
  });
});

describe("Polar Nightly Recharge without its averages", () => {
  it("gives no records", async () => {
    const recharge = { polar_user: "https://www.polaraccesslink.com/v3/users/1", date: "2020-01-02", heart_rate_avg: 70, heart_rate_variability_avg: null, breathing_rate_avg: null, nightly_recharge_status: null, ans_charge: null, hrv_samples: {}, breathing_samples: {} };
    expect(await recordsOf("polar", { stream: "nightly_recharge" }, recharge)).toEqual([]);
    expect(await recordsOf("polar", { stream: "nightly_recharge" }, { polar_user: recharge.polar_user, date: recharge.date })).toEqual([]);
  });
});
