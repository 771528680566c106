import { randomBytes } from "node:crypto";
import { allowedApiHosts, resolveApiBaseUrl } from "../api/base-url.js";
import type { Clock } from "../clock.js";
import { createLogger, type Logger } from "../logging/logger.js";
import { instruments } from "../metrics/instruments.js";
import { hashId } from "../oauth/security-log.js";
import { ConnectorError, isConnectorError } from "../errors.js";
import type { NormalizedEvent } from "../events.js";
import { templateLookup, type VendorCredentials } from "../manifest/credentials.js";
import { evaluateExpression } from "../manifest/expressions.js";
import type { Stream, Sync } from "../manifest/manifest.generated.js";
import type { DeepReadonly, VendorDefinition } from "../manifest/vendor-definition.js";
import type { TokenService } from "../oauth/connections.js";
import type { Backends } from "../ports/backends.js";
import type { SyncState } from "../ports/sync-state-store.js";
import type { SyncJob, SyncPlanTask, SyncPurpose, SyncWindowTask } from "../ports/job-queue.js";
import { SinkError, type EventDelivery, type EventSink, type JobOutcome, type SyncJobHandler } from "../queue/job-processor.js";
import { updateStreamState, type StreamKey } from "./checkpoint-update.js";
import { recordsOfStream } from "../records/event-records.js";
import { recordMapperOf } from "../records/record-mapper.js";
import { completionDelivery, recordDelivery, type NormalizedRecords, type RecordContext } from "./deliveries.js";
import { readWindowPages } from "./stream-reader.js";
import { isRunComplete, streamStateOf, windowsOf, withRunFinished, withWindowDone, type RunState, type StreamState } from "./sync-state.js";
import { formatWindowTime, parseRecordTime } from "./time-format.js";
import { checkSilence, readSilence, silenceKey, WEBHOOKS_CHECKPOINT, WebhookArrivals, type SilenceCheck, type SilenceScope, type SilenceStatus } from "./webhook-silence.js";

const DAY_MS = 86_400_000;
const NO_RECORDS: NormalizedRecords = Object.freeze({ records: Object.freeze([]) });

export interface SyncServiceOptions {
  readonly vendors: readonly VendorDefinition[];
  readonly credentials: Readonly<Record<string, VendorCredentials>>;
  readonly tokenService: (vendorId: string) => TokenService;
  readonly backends: Pick<Backends, "syncState" | "jobQueue" | "tokenStore">;
  readonly clock: Clock;
  /** Connections read per page while scheduling. Default 100. */
  readonly schedulePageSize?: number;
  /** Where the fallback to polling when webhooks go silent is logged. Default: JSON lines on stdout. */
  readonly logger?: Logger;
}

export interface StartSyncOptions {
  readonly purpose: SyncPurpose;
  /** Default: the streams the purpose declares (on demand: every stream). */
  readonly streams?: readonly string[];
  /** Epoch ms to read from. */
  readonly since?: number;
}

export interface RunStatus {
  readonly runId: string;
  readonly purpose: SyncPurpose;
  readonly from: string;
  readonly to: string;
  readonly windows: number;
  readonly windowsDone: number;
  readonly records: number;
}

export interface StreamStatus {
  readonly stream: string;
  /** Every record before this time has been read. */
  readonly checkpoint?: string;
  /** The latest record time seen. */
  readonly cursor?: string;
  readonly running: readonly RunStatus[];
  readonly last: Partial<Record<SyncPurpose, { readonly runId: string; readonly from: string; readonly to: string; readonly records: number; readonly finishedAt: string }>>;
  /** A backfill (or on-demand run) has finished and none is running. */
  readonly historicalComplete: boolean;
}

/** Pull sync for every served vendor with `sync` streams: runs, status, and the queue jobs behind them. */
export interface SyncService extends SyncJobHandler {
  /** Enqueues a run (one plan job; the plan enqueues one job per window). */
  start(vendorId: string, userId: string, options: StartSyncOptions): Promise<{ readonly runId: string }>;
  status(vendorId: string, userId: string): Promise<StreamStatus[]>;
  /** After a (re)connection: the manifest's backfill; on a reconnect only the gap since each stream's checkpoint. */
  connected(vendorId: string, userId: string): Promise<void>;
  /** Starts the poll and reconciliation runs that are due for every connected user; returns how many were started. */
  startDueRuns(): Promise<number>;
  /**
   * For a vendor with `webhookSilence`: what the schedule knows of the user's and the app's webhooks (last arrival,
   * and `pollingSince` while it polls because they went silent). Undefined for a vendor without it.
   */
  webhookStatus(vendorId: string, userId: string): Promise<{ readonly user?: SilenceStatus; readonly app?: SilenceStatus } | undefined>;
  /** Vendors served that declare streams. */
  readonly vendorIds: readonly string[];
}

interface WindowOutcome {
  readonly delivered: number;
  readonly cursor: number | undefined;
}

export function createSyncService(options: SyncServiceOptions): SyncService {
  const { backends, clock } = options;
  const store = backends.syncState;
  const byId = new Map(options.vendors.filter((vendor) => vendor.manifest.sync).map((vendor) => [vendor.id, vendor]));

  const syncOf = (vendorId: string): { vendor: VendorDefinition; sync: DeepReadonly<Sync> } => {
    const vendor = byId.get(vendorId);
    if (!vendor?.manifest.sync) {
      throw new ConnectorError("not_supported", `${printable(vendorId)} declares no sync streams (or is not served)`, { vendor: vendorId });
    }
    return { vendor, sync: vendor.manifest.sync };
  };

  const streamOf = (sync: DeepReadonly<Sync>, vendorId: string, name: string): DeepReadonly<Stream> => {
    const stream = sync.streams.find((candidate) => candidate.name === name);
    if (!stream) throw new ConnectorError("not_supported", `${vendorId} has no stream "${printable(name)}"`, { vendor: vendorId });
    return stream;
  };

  const streamsFor = (sync: DeepReadonly<Sync>, purpose: SyncPurpose, asked: readonly string[] | undefined, vendorId: string): DeepReadonly<Stream>[] => {
    if (asked) return asked.map((name) => streamOf(sync, vendorId, name));
    const declared = purpose === "on_demand" ? undefined : purpose === "backfill" ? sync.backfill : purpose === "poll" ? sync.poll : sync.reconciliation;
    if (purpose !== "on_demand" && !declared) return [];
    const names = declared?.streams;
    return names ? names.map((name) => streamOf(sync, vendorId, name)) : [...sync.streams];
  };

  const retentionMs = (sync: DeepReadonly<Sync>) =>
    Math.max((sync.backfill?.days ?? 0) * DAY_MS, (sync.reconciliation?.windowSeconds ?? 0) * 1000) + 30 * DAY_MS;

  const enqueuePlan = async (vendorId: string, userId: string, start: StartSyncOptions): Promise<string> => {
    const until = clock();
    const runId = `${start.purpose}-${until}-${randomBytes(4).toString("hex")}`;
    const task: SyncPlanTask = {
      kind: "sync-plan",
      vendor: vendorId,
      userId,
      purpose: start.purpose,
      runId,
      until,
      ...(start.streams ? { streams: [...start.streams] } : {}),
      ...(start.since === undefined ? {} : { since: start.since }),
    };
    await backends.jobQueue.enqueueSync([task]);
    return runId;
  };

  /** Where a new run of `purpose` starts, or undefined when there is nothing to read (or one is already running). */
  const runStart = (sync: DeepReadonly<Sync>, stream: DeepReadonly<Stream>, state: StreamState, task: SyncPlanTask): number | undefined => {
    const lookbackMs = (stream.lookbackSeconds ?? 0) * 1000;
    const fromPosition = state.position === undefined ? undefined : state.position - lookbackMs;
    if (task.purpose !== "on_demand" && Object.values(state.runs).some((run) => run.purpose === task.purpose)) return undefined;
    switch (task.purpose) {
      case "backfill":
        return fromPosition ?? task.until - (sync.backfill?.days ?? 0) * DAY_MS;
      case "poll":
        // A fallback poll (webhooks silent) reads from the last webhook on, or from the checkpoint when that is later.
        if (task.since !== undefined) return fromPosition === undefined ? task.since : Math.max(fromPosition, task.since - lookbackMs);
        return fromPosition ?? task.until - (sync.poll?.everySeconds ?? 0) * 1000;
      case "reconciliation":
        return task.until - (sync.reconciliation?.windowSeconds ?? 0) * 1000;
      case "on_demand":
        return task.since ?? fromPosition ?? task.until - (sync.backfill?.days ?? 30) * DAY_MS;
    }
  };

  const plan = async (task: SyncPlanTask): Promise<JobOutcome> => {
    const { sync } = syncOf(task.vendor);
    const windowTasks: SyncWindowTask[] = [];
    for (const stream of streamsFor(sync, task.purpose, task.streams, task.vendor)) {
      const key: StreamKey = { vendor: task.vendor, userId: task.userId, stream: stream.name };
      const windowMs = stream.window.maxSeconds * 1000;
      let planned: RunState | undefined;
      await updateStreamState(store, key, clock, (state) => {
        planned = state.runs[task.runId];
        // A redelivered plan: its windows are in the queue once it said so; before that, enqueue the unfinished ones.
        if (planned?.enqueued) planned = undefined;
        if (planned) return state;
        const from = runStart(sync, stream, state, task);
        if (from === undefined) return state;
        if (from >= task.until) {
          // Nothing to read yet; recorded, so the schedule counts this run.
          const finished = { runId: task.runId, from: task.until, to: task.until, records: 0, finishedAt: clock() };
          return { ...state, last: { ...state.last, [task.purpose]: finished } };
        }
        const total = windowsOf(from, task.until, windowMs).length;
        planned = { purpose: task.purpose, from, to: task.until, windowMs, total, done: [], records: 0, startedAt: clock() };
        return { ...state, runs: { ...state.runs, [task.runId]: planned } };
      });
      if (!planned) continue;
      const run = planned;
      for (const window of windowsOf(run.from, run.to, run.windowMs)) {
        if (run.done.includes(window.index)) continue;
        windowTasks.push({ kind: "sync-window", vendor: task.vendor, userId: task.userId, stream: stream.name, purpose: task.purpose, runId: task.runId, ...window });
      }
    }
    await backends.jobQueue.enqueueSync(windowTasks);
    for (const stream of new Set(windowTasks.map((window) => window.stream))) {
      await updateStreamState(store, { vendor: task.vendor, userId: task.userId, stream }, clock, (state) => {
        const run = state.runs[task.runId];
        return !run || run.enqueued ? state : { ...state, runs: { ...state.runs, [task.runId]: { ...run, enqueued: true } } };
      });
    }
    return { status: "synced", userId: task.userId, delivered: 0 };
  };

  /** Like a webhook delivery: an invalid record leaves `records` empty with the reason, and the raw record still goes on. */
  const normalizedRecords = async (vendorId: string, stream: string, record: unknown, vendorUserId: string | undefined): Promise<NormalizedRecords> => {
    const manifest = byId.get(vendorId)?.manifest;
    if (!manifest?.records || !recordMapperOf(manifest).handles({ stream })) return NO_RECORDS; // the common case, per record: skip the call
    try {
      return { records: await recordsOfStream(options.vendors, vendorId, stream, record, { ...(vendorUserId === undefined ? {} : { vendorUserId }), fetchedAtMillis: clock() }) };
    } catch (error) {
      if (isConnectorError(error, "record_invalid") || isConnectorError(error, "mapping_failed")) return { records: [], recordError: error };
      throw error;
    }
  };

  const readWindow = async (
    task: SyncWindowTask,
    vendor: VendorDefinition,
    sync: DeepReadonly<Sync>,
    stream: DeepReadonly<Stream>,
    context: RecordContext,
    sink: EventSink,
  ): Promise<WindowOutcome> => {
    const credentials = options.credentials[vendor.id]!;
    const format = stream.request.timeFormat;
    const lookup = templateLookup(credentials, {
      userId: task.userId,
      ...(context.vendorUserId ? { vendorUserId: context.vendorUserId } : {}),
      "window.start": formatWindowTime(task.from, format),
      "window.end": formatWindowTime(task.to, format),
    });
    const readContext = {
      vendor: vendor.id,
      stream,
      client: options.tokenService(vendor.id).api(task.userId),
      lookup,
      allowedHosts: new Set(allowedApiHosts(vendor.manifest.api)),
      baseUrl: resolveApiBaseUrl(vendor.manifest, credentials),
    };
    const expiresAt = clock() + retentionMs(sync);
    const key = { vendor: vendor.id, userId: task.userId, stream: stream.name };

    if ((stream.mode ?? "pull") === "request") {
      // The vendor answers later with webhooks; asking twice for a range is refused (Garmin: 409), so each is remembered.
      const requestId = `request:${task.from}:${task.to}`;
      if ((await store.findDelivered(key.vendor, key.userId, key.stream, [requestId])).size > 0) return { delivered: 0, cursor: undefined };
      for await (const _page of readWindowPages(readContext)) break;
      await store.markDelivered(key.vendor, key.userId, key.stream, [requestId], expiresAt);
      return { delivered: 0, cursor: undefined };
    }

    let delivered = 0;
    let cursor: number | undefined;
    for await (const page of readWindowPages(readContext)) {
      const fresh = new Map<string, { record: unknown; time: number | undefined }>();
      for (const record of page.records) {
        const id = await evaluateExpression(stream.recordId ?? "id", record);
        if (typeof id !== "string" && typeof id !== "number") continue; // no id: cannot be de-duplicated, so not delivered
        const recordId = String(id);
        if (fresh.has(recordId)) continue;
        const time = stream.cursor === undefined ? undefined : parseRecordTime(await evaluateExpression(stream.cursor, record));
        if (time !== undefined) cursor = Math.max(cursor ?? time, time);
        fresh.set(recordId, { record, time });
      }
      const seen = await store.findDelivered(key.vendor, key.userId, key.stream, [...fresh.keys()]);
      const sent: string[] = [];
      try {
        for (const [recordId, { record, time }] of fresh) {
          if (seen.has(recordId)) continue;
          await deliver(sink, recordDelivery(context, recordId, record, time, await normalizedRecords(vendor.id, stream.name, record, context.vendorUserId)));
          sent.push(recordId);
        }
      } finally {
        // Marked once per page, also when the sink failed part-way (its retry then skips what it took). Only a
        // process killed inside a page's deliveries sends that page's delivered records again (at least once).
        await store.markDelivered(key.vendor, key.userId, key.stream, sent, expiresAt);
      }
      delivered += sent.length;
    }
    return { delivered, cursor };
  };

  const runWindow = async (task: SyncWindowTask, sink: EventSink): Promise<JobOutcome> => {
    const { vendor, sync } = syncOf(task.vendor);
    const stream = streamOf(sync, task.vendor, task.stream);
    const key: StreamKey = { vendor: task.vendor, userId: task.userId, stream: task.stream };
    const connection = await backends.tokenStore.get(task.vendor, task.userId);
    if (!connection) return { status: "skipped", reason: "not_connected", userId: task.userId };
    if (connection.status === "reauthorization_required") return { status: "skipped", reason: "reauthorization_required", userId: task.userId };
    const context: RecordContext = { vendor: vendor.id, stream, userId: task.userId, vendorUserId: connection.vendorUserId, purpose: task.purpose };

    const state = streamStateOf((await store.getCheckpoint(key.vendor, key.userId, key.stream))?.state);
    const run = state.runs[task.runId];
    if (!run) return { status: "synced", userId: task.userId, delivered: 0 }; // a finished (or unknown) run
    let delivered = 0;
    // The queue hands one delivery of a task to one worker at a time (visibility timeout, kept extended while it runs).
    if (!run.done.includes(task.index)) {
      let outcome: WindowOutcome;
      try {
        outcome = await readWindow(task, vendor, sync, stream, context, sink);
      } catch (error) {
        if (isConnectorError(error, "not_connected")) return { status: "skipped", reason: "not_connected", userId: task.userId };
        if (isConnectorError(error, "reauthorization_required")) return { status: "skipped", reason: "reauthorization_required", userId: task.userId };
        throw error;
      }
      delivered = outcome.delivered;
      await updateStreamState(store, key, clock, (current) => withWindowDone(current, task.runId, task.index, outcome.delivered, outcome.cursor));
    }
    await finishIfComplete(key, task.runId, context, sink);
    return { status: "synced", userId: task.userId, delivered };
  };

  /** The last window of a run tells the sink (historical runs) and moves the run to `last`; a redelivery repeats what a crash cut off. */
  const finishIfComplete = async (key: StreamKey, runId: string, context: RecordContext, sink: EventSink): Promise<void> => {
    const state = streamStateOf((await store.getCheckpoint(key.vendor, key.userId, key.stream))?.state);
    const run = state.runs[runId];
    if (!run || !isRunComplete(run)) return;
    if (run.purpose === "backfill" || run.purpose === "on_demand") await deliver(sink, completionDelivery(context, runId, run));
    await updateStreamState(store, key, clock, (current) => withRunFinished(current, runId, clock()));
  };

  const statusOf = (stream: string, state: StreamState): StreamStatus => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const running = Object.entries(state.runs).map(([runId, run]) => ({
      runId,
      purpose: run.purpose,
      from: iso(run.from),
      to: iso(run.to),
      windows: run.total,
      windowsDone: run.done.length,
      records: run.records,
    }));
    const last: StreamStatus["last"] = {};
    for (const [purpose, finished] of Object.entries(state.last) as [SyncPurpose, StreamState["last"][SyncPurpose]][]) {
      if (finished) last[purpose] = { runId: finished.runId, from: iso(finished.from), to: iso(finished.to), records: finished.records, finishedAt: iso(finished.finishedAt) };
    }
    const historicalRunning = running.some((run) => run.purpose === "backfill" || run.purpose === "on_demand");
    return {
      stream,
      ...(state.position === undefined ? {} : { checkpoint: iso(state.position) }),
      ...(state.cursor === undefined ? {} : { cursor: iso(state.cursor) }),
      running,
      last,
      historicalComplete: !historicalRunning && (state.last.backfill !== undefined || state.last.on_demand !== undefined),
    };
  };

  const isDue = (everyMs: number, purpose: "poll" | "reconciliation", state: StreamState, now: number): boolean => {
    if (Object.values(state.runs).some((run) => run.purpose === purpose)) return false;
    const last = state.last[purpose];
    return last === undefined || now - last.to >= everyMs;
  };

  const logger = options.logger ?? createLogger();
  const arrivals = new WebhookArrivals(store, clock);

  /** Logs and counts a fallback that began or ended; the check's compare-and-set makes one tick across a fleet see it. */
  const reportTransition = (vendorId: string, scope: SilenceScope, userId: string | undefined, check: SilenceCheck) => {
    const transition = check.transition;
    if (!transition) return;
    instruments().webhookFallback.add(1, { vendor: vendorId, scope, transition: transition.change });
    const fields = {
      vendor: vendorId,
      scope,
      ...(userId === undefined ? {} : { userHash: hashId(userId) }),
      lastWebhookAt: new Date(transition.lastWebhookAt).toISOString(),
    };
    if (transition.change === "enter") logger.warn("webhooks silent: falling back to polling", fields);
    else logger.info("webhooks resumed: polling fallback ended", { ...fields, fallbackSince: new Date(transition.fallbackSince).toISOString() });
  };

  /**
   * Fallback polls for a vendor whose webhooks went silent (sync.webhookSilence): the app scope is looked at once per
   * tick, each user's when its connection comes by; a silent user (or every user of a silent app) is polled like a
   * poll-only vendor, from the last webhook on, every pollEverySeconds, until a webhook arrives again.
   */
  const silenceOfApp = async (vendor: VendorDefinition): Promise<number | undefined> => {
    const silence = vendor.manifest.sync?.webhookSilence;
    if (!silence?.appSeconds || !usesSilenceFallback(vendor)) return undefined;
    const check = await checkSilence(store, silenceKey(vendor.id, "app"), silence.appSeconds * 1000, clock);
    reportTransition(vendor.id, "app", undefined, check);
    return check.silentSince;
  };

  const startFallbackPoll = async (
    vendor: VendorDefinition,
    userId: string,
    appSilentSince: number | undefined,
    states: ReadonlyMap<string, StreamState>,
    webhooks: SyncState | null,
    now: number,
  ): Promise<boolean> => {
    const sync = vendor.manifest.sync!;
    const silence = sync.webhookSilence;
    if (!silence || !usesSilenceFallback(vendor)) return false;
    let silentSince = appSilentSince;
    if (silence.userSeconds) {
      const check = await checkSilence(store, silenceKey(vendor.id, "user", userId), silence.userSeconds * 1000, clock, webhooks);
      reportTransition(vendor.id, "user", userId, check);
      if (check.silentSince !== undefined) silentSince = Math.min(check.silentSince, silentSince ?? check.silentSince);
    }
    if (silentSince === undefined) return false;
    const streams = fallbackStreams(sync);
    if (!streams.some((stream) => isDue(silence.pollEverySeconds * 1000, "poll", states.get(stream.name) ?? streamStateOf(undefined), now))) return false;
    await enqueuePlan(vendor.id, userId, { purpose: "poll", streams: streams.map((stream) => stream.name), since: silentSince });
    return true;
  };

  return {
    vendorIds: [...byId.keys()],

    async start(vendorId, userId, start) {
      const { sync } = syncOf(vendorId);
      streamsFor(sync, start.purpose, start.streams, vendorId); // unknown stream names fail here, not in the worker
      if (start.since !== undefined && !(Number.isSafeInteger(start.since) && start.since >= 0 && start.since < clock())) {
        throw new ConnectorError("not_supported", "since must be a time in the past", { vendor: vendorId });
      }
      return { runId: await enqueuePlan(vendorId, userId, start) };
    },

    async status(vendorId, userId) {
      const { sync } = syncOf(vendorId);
      const stored = new Map((await store.listCheckpoints(vendorId, userId)).map((checkpoint) => [checkpoint.stream, checkpoint.state]));
      return sync.streams.map((stream) => statusOf(stream.name, streamStateOf(stored.get(stream.name))));
    },

    async webhookStatus(vendorId, userId) {
      const { vendor } = syncOf(vendorId);
      if (!vendor.manifest.sync?.webhookSilence) return undefined;
      const [user, app] = await Promise.all([readSilence(store, silenceKey(vendorId, "user", userId)), readSilence(store, silenceKey(vendorId, "app"))]);
      return { ...(user ? { user } : {}), ...(app ? { app } : {}) };
    },

    async connected(vendorId, userId) {
      const vendor = byId.get(vendorId);
      if (!vendor?.manifest.sync?.backfill) return;
      await enqueuePlan(vendorId, userId, { purpose: "backfill" });
    },

    async startDueRuns() {
      let started = 0;
      const now = clock();
      for (const [vendorId, vendor] of byId) {
        const sync = vendor.manifest.sync!;
        const purposes = (["poll", "reconciliation"] as const).filter((purpose) => sync[purpose]);
        if (purposes.length === 0 && !sync.backfill && !sync.webhookSilence) continue;
        const appSilentSince = await silenceOfApp(vendor);
        let cursor: string | undefined;
        do {
          const page = await backends.tokenStore.listByVendor(vendorId, { limit: options.schedulePageSize ?? 100, ...(cursor ? { cursor } : {}) });
          for (const connection of page.items) {
            if (connection.status !== "active") continue;
            const checkpoints = await store.listCheckpoints(vendorId, connection.userId);
            const states = new Map(checkpoints.map((checkpoint) => [checkpoint.stream, streamStateOf(checkpoint.state)]));
            // A backfill that never started (its enqueue failed at connect time) starts now.
            const backfillStreams = streamsFor(sync, "backfill", undefined, vendorId);
            const neverSynced = (stream: DeepReadonly<Stream>) => {
              const state = states.get(stream.name);
              return !state || (state.position === undefined && Object.keys(state.runs).length === 0 && !state.last.backfill);
            };
            if (backfillStreams.length > 0 && backfillStreams.every(neverSynced)) {
              await enqueuePlan(vendorId, connection.userId, { purpose: "backfill" });
              started++;
              continue;
            }
            for (const purpose of purposes) {
              const streams = streamsFor(sync, purpose, undefined, vendorId);
              const everyMs = (sync[purpose]?.everySeconds ?? 0) * 1000;
              if (streams.some((stream) => isDue(everyMs, purpose, states.get(stream.name) ?? streamStateOf(undefined), now))) {
                await enqueuePlan(vendorId, connection.userId, { purpose });
                started++;
              }
            }
            const webhooks = checkpoints.find((checkpoint) => checkpoint.stream === WEBHOOKS_CHECKPOINT);
            if (await startFallbackPoll(vendor, connection.userId, appSilentSince, states, webhooks?.state ?? null, now)) started++;
          }
          cursor = page.cursor;
        } while (cursor);
      }
      return started;
    },

    async run(job: SyncJob, sink: EventSink): Promise<JobOutcome> {
      return job.task.kind === "sync-plan" ? plan(job.task) : runWindow(job.task, sink);
    },

    async webhookDelivered(event: NormalizedEvent, userId: string): Promise<void> {
      const vendor = byId.get(event.vendor);
      const sync = vendor?.manifest.sync;
      if (!sync) return;
      const silence = sync.webhookSilence;
      if (silence) await arrivals.noted(event.vendor, userId, silenceGranularityMs(silence));
      if (!event.resourceId) return;
      const expiresAt = clock() + retentionMs(sync);
      for (const stream of sync.streams) {
        if (stream.webhookEvents?.includes(event.type)) await store.markDelivered(event.vendor, userId, stream.name, [event.resourceId], expiresAt);
      }
    },
  };
}

/** A vendor polled when its webhooks go silent: it receives webhooks and does not poll on its own schedule anyway. */
function usesSilenceFallback(vendor: VendorDefinition): boolean {
  const sync = vendor.manifest.sync;
  return Boolean(sync?.webhookSilence && vendor.manifest.webhooks && !sync.poll);
}

/** The declared fallback streams, else the reconciliation's, else every pull stream. */
function fallbackStreams(sync: DeepReadonly<Sync>): DeepReadonly<Stream>[] {
  const names = sync.webhookSilence?.streams ?? sync.reconciliation?.streams;
  const pull = sync.streams.filter((stream) => (stream.mode ?? "pull") === "pull");
  return names ? pull.filter((stream) => names.includes(stream.name)) : pull;
}

/** How stale a stored "last webhook" may be: a tenth of the shortest threshold, at most a minute. */
function silenceGranularityMs(silence: NonNullable<DeepReadonly<Sync>["webhookSilence"]>): number {
  const shortest = Math.min(silence.appSeconds ?? Infinity, silence.userSeconds ?? Infinity);
  return Math.min(60_000, (shortest * 1000) / 10);
}

async function deliver(sink: EventSink, delivery: EventDelivery): Promise<void> {
  try {
    await sink(delivery);
  } catch (error) {
    throw new SinkError(delivery.event, error);
  }
}

function printable(value: string): string {
  return value.replace(/[^\w.-]/g, "?").slice(0, 64);
}
