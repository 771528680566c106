import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../../clock.js";
import type { NormalizedEvent } from "../../events.js";
import type { DeadLetter, DeadLetterQueue, EnqueueResult, Job, JobQueue, ListDeadLettersOptions, ReceivedJob, ReceiveOptions, SyncTask } from "../../ports/job-queue.js";
import { checkSyncTask, syncJob } from "../../queue/job-message.js";
import {
  DEFAULT_MAX_RECEIVES,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  decodeReceipt,
  encodeReceipt,
  newDeliveryToken,
  receiveLimit,
} from "./job-receipt.js";
import { longPoll } from "./long-poll.js";

interface QueuedJob {
  readonly id: string;
  readonly job: Job;
  visibleAt: number;
  receiveCount: number;
  deliveryToken: string | undefined;
}

export interface MemoryJobQueueOptions {
  readonly clock?: Clock;
  /** Deliveries after which a job moves to the dead letters instead of being delivered again. */
  readonly maxReceives?: number;
}

export class MemoryJobQueue implements JobQueue, DeadLetterQueue {
  private readonly jobs: QueuedJob[] = [];
  private readonly deadLetters: { id: string; job: Job; receiveCount: number; deadLetteredAt: number }[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly clock: Clock;
  /** Deliveries after which a job is dead-lettered. */
  readonly maxReceives: number;

  constructor(options: MemoryJobQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxReceives = options.maxReceives ?? DEFAULT_MAX_RECEIVES;
  }

  async ping(): Promise<void> {}

  async enqueue(events: readonly NormalizedEvent[]): Promise<EnqueueResult> {
    this.add(events);
    return { enqueued: events.map((event) => event.id), failed: [] };
  }

  /** `enqueue`, synchronously: for the ingest store, which records the replay key and the jobs in one step. */
  add(events: readonly NormalizedEvent[]): void {
    const now = this.clock();
    for (const event of events) {
      this.jobs.push({
        id: randomUUID(),
        job: { event: structuredClone(event), enqueuedAt: now },
        visibleAt: now,
        receiveCount: 0,
        deliveryToken: undefined,
      });
    }
    if (events.length > 0) for (const listener of [...this.listeners]) listener();
  }

  async enqueueSync(tasks: readonly SyncTask[]): Promise<void> {
    const now = this.clock();
    for (const task of tasks) {
      this.jobs.push({ id: randomUUID(), job: syncJob(structuredClone(checkSyncTask(task)), now), visibleAt: now, receiveCount: 0, deliveryToken: undefined });
    }
    if (tasks.length > 0) for (const listener of [...this.listeners]) listener();
  }

  receive(options: ReceiveOptions = {}): Promise<ReceivedJob[]> {
    return longPoll(() => this.deliver(options), options.waitMs, {
      wake: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    });
  }

  async ack(receipt: string): Promise<void> {
    const queued = this.find(receipt);
    if (queued) this.jobs.splice(this.jobs.indexOf(queued), 1);
  }

  async extendVisibility(receipt: string, visibilityTimeoutMs: number): Promise<void> {
    const queued = this.find(receipt);
    if (queued) queued.visibleAt = this.clock() + visibilityTimeoutMs;
  }

  async release(receipt: string, delayMs = 0): Promise<void> {
    const queued = this.find(receipt);
    if (!queued) return;
    queued.visibleAt = this.clock() + delayMs;
    queued.deliveryToken = undefined;
  }

  /** Jobs that were delivered `maxReceives` times without being acknowledged, oldest first. */
  async listDeadLetters(options: ListDeadLettersOptions = {}): Promise<DeadLetter[]> {
    return this.deadLetters.slice(0, Math.max(1, Math.floor(options.limit ?? 100))).map((dead) => structuredClone(dead));
  }

  /** Jobs waiting, in flight (or delayed) and dead-lettered, for the synheart.queue.depth gauge. */
  async queueDepth(): Promise<{ visible: number; inFlight: number; deadLettered: number }> {
    const now = this.clock();
    const visible = this.jobs.filter((queued) => queued.visibleAt <= now).length;
    return { visible, inFlight: this.jobs.length - visible, deadLettered: this.deadLetters.length };
  }

  async redriveDeadLetters(ids?: readonly string[]): Promise<number> {
    const now = this.clock();
    const moved = this.takeDeadLetters(ids);
    for (const dead of moved) {
      this.jobs.push({ id: dead.id, job: dead.job, visibleAt: now, receiveCount: 0, deliveryToken: undefined });
    }
    if (moved.length > 0) for (const listener of [...this.listeners]) listener();
    return moved.length;
  }

  async purgeDeadLetters(ids?: readonly string[]): Promise<number> {
    return this.takeDeadLetters(ids).length;
  }

  private takeDeadLetters(ids: readonly string[] | undefined) {
    const wanted = ids ? new Set(ids) : undefined;
    const taken = this.deadLetters.filter((dead) => !wanted || wanted.has(dead.id));
    for (const dead of taken) this.deadLetters.splice(this.deadLetters.indexOf(dead), 1);
    return taken;
  }

  private deliver(options: ReceiveOptions): ReceivedJob[] {
    const now = this.clock();
    const limit = receiveLimit(options.maxJobs);
    const visibilityTimeoutMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
    const delivered: ReceivedJob[] = [];
    for (const queued of [...this.jobs]) {
      if (delivered.length >= limit) break;
      if (queued.visibleAt > now) continue;
      if (queued.receiveCount >= this.maxReceives) {
        this.jobs.splice(this.jobs.indexOf(queued), 1);
        this.deadLetters.push({ id: queued.id, job: queued.job, receiveCount: queued.receiveCount, deadLetteredAt: now });
        continue;
      }
      queued.receiveCount += 1;
      queued.deliveryToken = newDeliveryToken();
      queued.visibleAt = now + visibilityTimeoutMs;
      delivered.push({
        job: structuredClone(queued.job),
        receipt: encodeReceipt({ jobId: queued.id, deliveryToken: queued.deliveryToken }),
        receiveCount: queued.receiveCount,
      });
    }
    return delivered;
  }

  private find(receipt: string): QueuedJob | undefined {
    const decoded = decodeReceipt(receipt);
    if (!decoded) return undefined;
    return this.jobs.find((queued) => queued.id === decoded.jobId && queued.deliveryToken === decoded.deliveryToken);
  }
}
