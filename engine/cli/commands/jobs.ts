import { hasDeadLetterQueue, isSyncJob, jobIdentity, type DeadLetter } from "../../ports/job-queue.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import { UsageError, type CliIo } from "../io.js";
import { stringList } from "../load-vendors.js";
import { backendOptions, openBackendsForCommand } from "../open-backends.js";
import { wholeNumber } from "./connections.js";

/** A dead letter as one JSON line: which event, for whom (the vendor's user id), when; not the event's data. */
export function deadLetterSummary(dead: DeadLetter): Record<string, unknown> {
  const { job } = dead;
  const event = job && !isSyncJob(job) ? job.event : undefined;
  const task = job && isSyncJob(job) ? jobIdentity(job) : undefined;
  return {
    id: dead.id,
    ...(event
      ? { eventId: event.id, vendor: event.vendor, type: event.type, vendorUserId: event.userId, delivery: event.delivery, occurredAt: event.occurredAt }
      : task
        ? { syncTask: task.id, vendor: task.vendor, type: task.type, userId: task.userId }
        : { malformed: true }),
    ...(dead.job ? { enqueuedAt: new Date(dead.job.enqueuedAt).toISOString() } : {}),
    ...(dead.receiveCount !== undefined ? { receiveCount: dead.receiveCount } : {}),
    ...(dead.deadLetteredAt !== undefined ? { deadLetteredAt: new Date(dead.deadLetteredAt).toISOString() } : {}),
  };
}

async function withDeadLetters<T>(io: CliIo, values: Record<string, unknown>, use: (queue: import("../../ports/job-queue.js").DeadLetterQueue) => Promise<T>): Promise<T> {
  const { backends } = await openBackendsForCommand(io, values);
  try {
    const queue = backends.jobQueue;
    if (!hasDeadLetterQueue(queue)) throw new UsageError("this job queue has no dead-letter operations");
    return await use(queue);
  } finally {
    await backends.close();
  }
}

const idOption = { id: { type: "string", multiple: true, value: "<id>", description: "one dead letter, by the id `jobs dlq list` prints" } } as const;

const listSpec: CliCommand = {
  summary: "list dead-lettered jobs, one JSON line each (they stay dead-lettered)",
  options: {
    limit: { type: "string", default: "100", value: "<n>", description: "at most this many" },
    ...backendOptions,
  },
  run: async (io, args) => {
    const { values } = parseCommandArgs(listSpec, args, false);
    const limit = wholeNumber(String(values.limit), "--limit");
    return withDeadLetters(io, values, async (queue) => {
      const dead = await queue.listDeadLetters({ limit });
      for (const letter of dead) io.out(JSON.stringify(deadLetterSummary(letter)));
      io.err(`${dead.length} dead letter${dead.length === 1 ? "" : "s"}`);
      return 0;
    });
  },
};

const redriveSpec: CliCommand = {
  summary: "move dead-lettered jobs back to the job queue (all, or those named by --id)",
  options: { ...idOption, ...backendOptions },
  details: "Each job is back in the queue before it leaves the dead letters: a crash can duplicate one, never lose one.",
  run: async (io, args) => {
    const { values } = parseCommandArgs(redriveSpec, args, false);
    const ids = stringList(values.id);
    return withDeadLetters(io, values, async (queue) => {
      const moved = await queue.redriveDeadLetters(ids.length > 0 ? ids : undefined);
      io.out(JSON.stringify({ redriven: moved }));
      io.err(`${moved} job${moved === 1 ? "" : "s"} back in the queue`);
      return ids.length > 0 && moved < ids.length ? 1 : 0;
    });
  },
};

const purgeSpec: CliCommand = {
  summary: "delete dead-lettered jobs: those named by --id, or every one with --all",
  options: { ...idOption, all: { type: "boolean", description: "delete every dead letter" }, ...backendOptions },
  run: async (io, args) => {
    const { values } = parseCommandArgs(purgeSpec, args, false);
    const ids = stringList(values.id);
    if (ids.length === 0 && values.all !== true) throw new UsageError("name dead letters with --id, or pass --all to delete every one");
    if (ids.length > 0 && values.all === true) throw new UsageError("--id and --all exclude each other");
    return withDeadLetters(io, values, async (queue) => {
      const purged = await queue.purgeDeadLetters(ids.length > 0 ? ids : undefined);
      io.out(JSON.stringify({ purged }));
      io.err(`${purged} dead letter${purged === 1 ? "" : "s"} deleted`);
      return ids.length > 0 && purged < ids.length ? 1 : 0;
    });
  },
};

export const jobsCommandSpec: CliCommand = {
  summary: "operate the job queue: its dead letters (embedded or AWS backend)",
  subcommands: {
    dlq: {
      summary: "list, redrive or purge dead-lettered jobs",
      subcommands: { list: listSpec, redrive: redriveSpec, purge: purgeSpec },
    },
  },
};
