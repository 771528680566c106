import { createHash } from "node:crypto";
import type { Message, MessageAttributeValue, SQSClient, SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import { sleep, systemClock, type Clock } from "../../clock.js";
import type { NormalizedEvent } from "../../events.js";
import { ConnectorError } from "../../errors.js";
import type {
  DeadLetter,
  DeadLetterQueue,
  EnqueueFailure,
  EnqueueResult,
  Job,
  JobQueue,
  ListDeadLettersOptions,
  SyncTask,
  ReceiveOptions,
  ReceivedJob,
} from "../../ports/job-queue.js";
import { isSyncJob } from "../../ports/job-queue.js";
import { checkSyncTask, decodeJobMessage, encodeJobMessage, syncJob } from "../../queue/job-message.js";
import { awsCall, awsErrorName, backendUnavailable, isAwsError, isTransientAwsError } from "./aws-errors.js";
import { loadSqsSdk } from "./sdk.js";
import { defaultMaxBatchBytes, maxEntriesPerBatch, splitIntoBatches } from "./sqs-batches.js";

export interface SqsJobQueueOptions {
  readonly client: SQSClient;
  /** A queue URL ending in `.fifo` gets MessageGroupId (per vendor user) and MessageDeduplicationId (per event id). */
  readonly queueUrl: string;
  /** Attempts per batch, the first included, before its remaining entries are reported as failed. */
  readonly maxSendAttempts?: number;
  /** First retry delay; doubled per attempt, with full jitter. */
  readonly retryBaseDelayMs?: number;
  /** SQS allows 256 KiB per batch (1 MiB on queues configured for larger messages). */
  readonly maxBatchBytes?: number;
  /** Stamps `enqueuedAt`. */
  readonly clock?: Clock;
  /** The dead-letter queue, for listDeadLetters / redrive / purge. Default: found from the queue's redrive policy. */
  readonly deadLetterQueueUrl?: string;
}

/** SQS caps one receive at 10 messages, one long poll at 20 s and a visibility timeout at 12 h. */
const maxMessagesPerReceive = 10;
const maxWaitSeconds = 20;
const maxVisibilitySeconds = 12 * 60 * 60;

interface OutgoingEntry {
  readonly index: number;
  readonly event: NormalizedEvent;
  readonly entry: SendMessageBatchRequestEntry;
  readonly bytes: number;
}

/** How long a dead letter being looked at stays hidden from other operators' commands. */
const deadLetterScanVisibilitySeconds = 30;

export class SqsJobQueue implements JobQueue, DeadLetterQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly fifo: boolean;
  private readonly maxSendAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxBatchBytes: number;
  private readonly clock: Clock;
  private deadLetterQueueUrl: string | undefined;

  constructor(options: SqsJobQueueOptions) {
    this.deadLetterQueueUrl = options.deadLetterQueueUrl;
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.fifo = options.queueUrl.endsWith(".fifo");
    this.maxSendAttempts = Math.max(1, options.maxSendAttempts ?? 4);
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 100;
    this.maxBatchBytes = options.maxBatchBytes ?? defaultMaxBatchBytes;
    this.clock = options.clock ?? systemClock;
  }

  async enqueue(events: readonly NormalizedEvent[]): Promise<EnqueueResult> {
    const enqueuedAt = this.clock();
    const failed: (EnqueueFailure & { index: number })[] = [];
    const outgoing: OutgoingEntry[] = [];
    events.forEach((event, index) => {
      const entry = this.entryFor(event, index, enqueuedAt);
      const bytes = messageBytes(entry);
      if (bytes > this.maxBatchBytes) failed.push({ index, event, reason: `message too large (${bytes} bytes)` });
      else outgoing.push({ index, event, entry, bytes });
    });

    const sent: OutgoingEntry[] = [];
    // Batches go out together: a webhook's response waits for the slowest one, not for their sum.
    const results = await Promise.all(
      splitIntoBatches(outgoing, maxEntriesPerBatch, this.maxBatchBytes).map((batch) => this.sendWithRetries(batch)),
    );
    for (const result of results) {
      sent.push(...result.sent);
      failed.push(...result.failed);
    }
    return {
      enqueued: sent.sort((a, b) => a.index - b.index).map((entry) => entry.event.id),
      failed: failed.sort((a, b) => a.index - b.index).map(({ event, reason }) => ({ event, reason })),
    };
  }

  async enqueueSync(tasks: readonly SyncTask[]): Promise<void> {
    const { SendMessageBatchCommand } = await loadSqsSdk();
    const enqueuedAt = this.clock();
    const entries: SendMessageBatchRequestEntry[] = tasks.map((task, index) => {
      const body = encodeJobMessage(syncJob(checkSyncTask(task), enqueuedAt));
      return {
        Id: `s${index}`,
        MessageBody: body,
        MessageAttributes: { kind: { DataType: "String", StringValue: task.kind }, vendor: { DataType: "String", StringValue: task.vendor } },
        ...(this.fifo ? { MessageGroupId: sha256Hex(`sync\u0000${task.vendor}\u0000${task.userId}`), MessageDeduplicationId: sha256Hex(body) } : {}),
      };
    });
    for (let start = 0; start < entries.length; start += maxEntriesPerBatch) {
      let pending = entries.slice(start, start + maxEntriesPerBatch);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.maxSendAttempts) throw backendUnavailable("SQS", "SendMessageBatch", new Error("sync tasks not sent"));
        if (attempt > 0) await sleep(Math.random() * this.retryBaseDelayMs * 2 ** (attempt - 1));
        const batch = pending;
        const output = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch })).catch((error: unknown) => {
          if (isTransientAwsError(error)) return undefined;
          throw backendUnavailable("SQS", "SendMessageBatch", error);
        });
        if (!output) continue;
        const failed = new Set((output.Failed ?? []).map((failure) => failure.Id));
        const answered = new Set([...(output.Successful ?? []).map((success) => success.Id), ...failed]);
        pending = batch.filter((entry) => failed.has(entry.Id) || !answered.has(entry.Id));
      }
    }
  }

  /** GetQueueAttributes (the queue's ARN): no message is touched, and it fails when the queue or the service is not there. */
  async ping(): Promise<void> {
    const { GetQueueAttributesCommand } = await loadSqsSdk();
    await awsCall("SQS", "GetQueueAttributes", () => this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["QueueArn"] })));
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedJob[]> {
    const { ReceiveMessageCommand } = await loadSqsSdk();
    const wanted = Math.max(1, Math.floor(options.maxJobs ?? maxMessagesPerReceive));
    const jobs: ReceivedJob[] = [];
    let waitSeconds = clampSeconds(options.waitMs ?? 0, maxWaitSeconds);
    while (jobs.length < wanted) {
      const asked = Math.min(maxMessagesPerReceive, wanted - jobs.length);
      const output = await awsCall("SQS", "ReceiveMessage", () =>
        this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: asked,
            WaitTimeSeconds: waitSeconds,
            ...(options.visibilityTimeoutMs !== undefined
              ? { VisibilityTimeout: clampSeconds(options.visibilityTimeoutMs, maxVisibilitySeconds) }
              : {}),
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
        ),
      );
      const messages = output.Messages ?? [];
      for (const message of messages) {
        const job = parseJob(message.Body);
        // A body that is not a job is left alone: it reappears and, after maxReceives, moves to the dead-letter queue.
        if (!job || !message.ReceiptHandle) continue;
        jobs.push({
          job,
          receipt: message.ReceiptHandle,
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? "1") || 1,
        });
      }
      if (messages.length < asked) break;
      waitSeconds = 0;
    }
    return jobs;
  }

  async ack(receipt: string): Promise<void> {
    const { DeleteMessageCommand } = await loadSqsSdk();
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt }));
    } catch (error) {
      // A stale handle: the delivery timed out and went back to the queue; it will be redelivered (at least once).
      if (isAwsError(error, "ReceiptHandleIsInvalid", "InvalidParameterValue")) return;
      throw backendUnavailable("SQS", "DeleteMessage", error);
    }
  }

  async extendVisibility(receipt: string, visibilityTimeoutMs: number): Promise<void> {
    await this.changeVisibility(receipt, visibilityTimeoutMs, false);
  }

  async release(receipt: string, delayMs = 0): Promise<void> {
    await this.changeVisibility(receipt, delayMs, true);
  }

  private async changeVisibility(receipt: string, timeoutMs: number, releasing: boolean): Promise<void> {
    const { ChangeMessageVisibilityCommand } = await loadSqsSdk();
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: receipt,
          VisibilityTimeout: clampSeconds(timeoutMs, maxVisibilitySeconds),
        }),
      );
    } catch (error) {
      // Releasing a delivery that already timed out changes nothing: it is back in the queue either way.
      if (releasing && isAwsError(error, "MessageNotInflight")) return;
      throw backendUnavailable("SQS", "ChangeMessageVisibility", error);
    }
  }

  /** SQS's approximate counts of the job queue (and of its dead-letter queue when it is known), for synheart.queue.depth. */
  async queueDepth(): Promise<{ visible: number; inFlight: number; deadLettered?: number }> {
    const { GetQueueAttributesCommand } = await loadSqsSdk();
    const count = async (queueUrl: string) => {
      const output = await awsCall("SQS", "GetQueueAttributes", () =>
        this.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
          }),
        ),
      );
      const attribute = (name: string) => Number(output.Attributes?.[name as keyof typeof output.Attributes] ?? 0) || 0;
      return { visible: attribute("ApproximateNumberOfMessages"), inFlight: attribute("ApproximateNumberOfMessagesNotVisible") + attribute("ApproximateNumberOfMessagesDelayed") };
    };
    const main = await count(this.queueUrl);
    if (!this.deadLetterQueueUrl) return main;
    const dead = await count(this.deadLetterQueueUrl);
    return { ...main, deadLettered: dead.visible + dead.inFlight };
  }

  /** Messages of the dead-letter queue, oldest first as SQS hands them out; they stay in it (made visible again). */
  async listDeadLetters(options: ListDeadLettersOptions = {}): Promise<DeadLetter[]> {
    const limit = Math.max(1, Math.floor(options.limit ?? 100));
    const seen = await this.scanDeadLetters(limit, async () => "keep");
    return seen.map(deadLetterOf);
  }

  /** Each message is sent to the job queue first and deleted from the dead-letter queue only once that succeeded. */
  async redriveDeadLetters(ids?: readonly string[]): Promise<number> {
    const { SendMessageCommand } = await loadSqsSdk();
    const wanted = ids ? new Set(ids) : undefined;
    const moved = await this.scanDeadLetters(wanted?.size ?? Number.POSITIVE_INFINITY, async (message) => {
      if (wanted && !wanted.has(message.MessageId ?? "")) return "keep";
      const job = parseJob(message.Body);
      await awsCall("SQS", "SendMessage", () =>
        this.client.send(
          new SendMessageCommand({
            QueueUrl: this.queueUrl,
            MessageBody: message.Body ?? "",
            ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0 ? { MessageAttributes: message.MessageAttributes } : {}),
            ...(this.fifo
              ? {
                  MessageGroupId: message.Attributes?.MessageGroupId ?? (job ? groupOf(job) : "redriven"),
                  // Not the event's id: SQS would drop a redrive within 5 minutes of the original send as a duplicate.
                  MessageDeduplicationId: sha256Hex(`redrive\u0000${message.MessageId ?? ""}\u0000${this.clock()}`),
                }
              : {}),
          }),
        ),
      );
      return "delete";
    }, wanted);
    return moved.length;
  }

  async purgeDeadLetters(ids?: readonly string[]): Promise<number> {
    const wanted = ids ? new Set(ids) : undefined;
    const purged = await this.scanDeadLetters(wanted?.size ?? Number.POSITIVE_INFINITY, async (message) =>
      wanted && !wanted.has(message.MessageId ?? "") ? "keep" : "delete",
    wanted);
    return purged.length;
  }

  /**
   * Receives the dead-letter queue's messages (each once) until it has `limit` acted on or the queue has nothing
   * more, lets `act` keep or delete each, and makes every kept message visible again at the end.
   * Returns the messages acted on (listed, for "keep" with no `wanted` set; deleted otherwise).
   */
  private async scanDeadLetters(
    limit: number,
    act: (message: Message) => Promise<"keep" | "delete">,
    wanted?: ReadonlySet<string>,
  ): Promise<Message[]> {
    const { ReceiveMessageCommand, DeleteMessageCommand, ChangeMessageVisibilityBatchCommand } = await loadSqsSdk();
    const queueUrl = await this.deadLetterUrl();
    const seen = new Set<string>();
    const kept: Message[] = [];
    const done: Message[] = [];
    try {
      while (done.length < limit) {
        const output = await awsCall("SQS", "ReceiveMessage", () =>
          this.client.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: maxMessagesPerReceive,
              // Long polling asks every SQS server, so an empty answer means empty (short polls sample a few).
              WaitTimeSeconds: 1,
              VisibilityTimeout: deadLetterScanVisibilitySeconds,
              MessageSystemAttributeNames: ["All"],
              MessageAttributeNames: ["All"],
            }),
          ),
        );
        const fresh = (output.Messages ?? []).filter((message) => message.MessageId && !seen.has(message.MessageId));
        if (fresh.length === 0) break;
        for (const message of fresh) {
          seen.add(message.MessageId!);
          if (done.length >= limit) {
            kept.push(message);
            continue;
          }
          const decision = await act(message);
          if (decision === "delete") {
            await awsCall("SQS", "DeleteMessage", () => this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle })));
            done.push(message);
          } else {
            kept.push(message);
            if (!wanted) done.push(message);
          }
        }
        if (wanted && [...wanted].every((id) => seen.has(id))) break;
      }
    } finally {
      for (let start = 0; start < kept.length; start += maxMessagesPerReceive) {
        const entries = kept.slice(start, start + maxMessagesPerReceive).map((message, index) => ({
          Id: `m${index}`,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }));
        // Best effort: a message not made visible here reappears after the scan's short visibility timeout anyway.
        await this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries })).catch(() => undefined);
      }
    }
    return done;
  }

  /** The configured dead-letter queue, else the one the job queue's redrive policy names. */
  private async deadLetterUrl(): Promise<string> {
    if (this.deadLetterQueueUrl) return this.deadLetterQueueUrl;
    const { GetQueueAttributesCommand, GetQueueUrlCommand } = await loadSqsSdk();
    const output = await awsCall("SQS", "GetQueueAttributes", () =>
      this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["RedrivePolicy"] })),
    );
    let arn: unknown;
    try {
      arn = (JSON.parse(output.Attributes?.RedrivePolicy ?? "{}") as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    } catch {
      arn = undefined;
    }
    const parts = typeof arn === "string" ? arn.split(":") : [];
    if (parts.length < 6 || !parts[5]) {
      throw new ConnectorError("configuration_invalid", "the job queue has no redrive policy naming a dead-letter queue; set SYNHEART_SQS_DLQ_URL (deadLetterQueueUrl)");
    }
    const { QueueUrl } = await awsCall("SQS", "GetQueueUrl", () =>
      this.client.send(new GetQueueUrlCommand({ QueueName: parts[5], ...(parts[4] ? { QueueOwnerAWSAccountId: parts[4] } : {}) })),
    );
    if (!QueueUrl) throw new ConnectorError("backend_unavailable", "SQS GetQueueUrl returned no URL for the dead-letter queue");
    this.deadLetterQueueUrl = QueueUrl;
    return QueueUrl;
  }

  private entryFor(event: NormalizedEvent, index: number, enqueuedAt: number): SendMessageBatchRequestEntry {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of [
      ["vendor", event.vendor],
      ["type", event.type],
      ["userId", event.userId],
    ] as const) {
      if (value) attributes[name] = { DataType: "String", StringValue: value };
    }
    return {
      Id: `e${index}`,
      MessageBody: encodeJobMessage({ event, enqueuedAt }),
      MessageAttributes: attributes,
      ...(this.fifo
        ? {
            // One group per vendor user keeps a user's events in order while users proceed in parallel.
            MessageGroupId: sha256Hex(`${event.vendor}\u0000${event.userId}`),
            MessageDeduplicationId: sha256Hex(event.id),
          }
        : {}),
    };
  }

  private async sendWithRetries(
    batch: readonly OutgoingEntry[],
  ): Promise<{ sent: OutgoingEntry[]; failed: (EnqueueFailure & { index: number })[] }> {
    const { SendMessageBatchCommand } = await loadSqsSdk();
    const sent: OutgoingEntry[] = [];
    const failed: (EnqueueFailure & { index: number })[] = [];
    let pending = [...batch];
    let lastReason = "not sent";
    let attempts = 0;
    for (let attempt = 0; attempt < this.maxSendAttempts && pending.length > 0; attempt++) {
      attempts = attempt + 1;
      if (attempt > 0) await sleep(Math.random() * this.retryBaseDelayMs * 2 ** (attempt - 1));
      const byId = new Map(pending.map((entry) => [entry.entry.Id ?? "", entry]));
      let output;
      try {
        output = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending.map((entry) => entry.entry) }),
        );
      } catch (error) {
        lastReason = `SQS SendMessageBatch failed: ${awsErrorName(error) ?? "UnknownError"}`;
        if (isTransientAwsError(error)) continue;
        break;
      }
      for (const success of output.Successful ?? []) {
        const entry = byId.get(success.Id ?? "");
        if (entry) sent.push(entry);
        byId.delete(success.Id ?? "");
      }
      const retry: OutgoingEntry[] = [];
      for (const failure of output.Failed ?? []) {
        const entry = byId.get(failure.Id ?? "");
        if (!entry) continue;
        byId.delete(failure.Id ?? "");
        const reason = `SQS refused the message: ${failure.Code ?? "UnknownError"}`;
        if (failure.SenderFault) failed.push({ index: entry.index, event: entry.event, reason });
        else {
          retry.push(entry);
          lastReason = reason;
        }
      }
      // Entries SQS answered neither way are retried too rather than assumed sent.
      retry.push(...byId.values());
      pending = retry;
    }
    for (const entry of pending) {
      failed.push({
        index: entry.index,
        event: entry.event,
        reason: `${lastReason} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`,
      });
    }
    return { sent, failed };
  }
}

/** What SQS counts against the batch limit: bodies and message attributes (names, types and values). */
function messageBytes(entry: SendMessageBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody ?? "");
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes +=
      Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? "") + Buffer.byteLength(value.StringValue ?? "");
  }
  return bytes;
}

/** The shared codec (also used by the Lambda SQS handler); undefined for a body that is not a job. */
function parseJob(body: string | undefined): Job | undefined {
  if (!body) return undefined;
  try {
    return decodeJobMessage(body);
  } catch {
    return undefined;
  }
}

function clampSeconds(ms: number, maxSeconds: number): number {
  return Math.min(maxSeconds, Math.max(0, Math.ceil(ms / 1000)));
}

function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** No receive count: in the dead-letter queue SQS's count also counts the receives of listing it. */
function deadLetterOf(message: Message): DeadLetter {
  return { id: message.MessageId ?? "", job: parseJob(message.Body) };
}

/** The FIFO group a job is sent in: per vendor user for events, per user's sync for sync tasks (as enqueue does). */
function groupOf(job: Job): string {
  if (isSyncJob(job)) return sha256Hex(`sync\u0000${job.task.vendor}\u0000${job.task.userId}`);
  return sha256Hex(`${job.event.vendor}\u0000${job.event.userId}`);
}
