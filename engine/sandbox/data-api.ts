import { randomBytes } from "node:crypto";

export interface SleepRecord {
  readonly id: string;
  readonly user_id: string;
  readonly start: string;
  readonly end: string;
  readonly score: number;
  readonly stages: { readonly deep_minutes: number; readonly rem_minutes: number; readonly light_minutes: number; readonly awake_minutes: number };
}

/** The sandbox vendor's data: sleep records created when a webhook announces them, fetched by the worker. */
export class SandboxDataStore {
  private readonly sleeps = new Map<string, SleepRecord>();

  createSleep(vendorUserId: string, now = new Date()): SleepRecord {
    const end = new Date(now.getTime() - 5 * 60_000);
    const start = new Date(end.getTime() - (7 * 60 + Math.floor(Math.random() * 90)) * 60_000);
    const deep = 60 + Math.floor(Math.random() * 40);
    const rem = 80 + Math.floor(Math.random() * 40);
    const awake = 10 + Math.floor(Math.random() * 20);
    const total = Math.round((end.getTime() - start.getTime()) / 60_000);
    const record: SleepRecord = {
      id: `slp_${randomBytes(6).toString("hex")}`,
      user_id: vendorUserId,
      start: start.toISOString(),
      end: end.toISOString(),
      score: 70 + Math.floor(Math.random() * 30),
      stages: { deep_minutes: deep, rem_minutes: rem, light_minutes: total - deep - rem - awake, awake_minutes: awake },
    };
    this.sleeps.set(record.id, record);
    return record;
  }

  /** A record only its owner can read; anyone else gets a 404, as if it did not exist. */
  sleepFor(id: string, vendorUserId: string): SleepRecord | undefined {
    const record = this.sleeps.get(id);
    return record && record.user_id === vendorUserId ? record : undefined;
  }
}
