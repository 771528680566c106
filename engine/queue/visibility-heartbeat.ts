import type { JobQueue } from "../ports/job-queue.js";

export interface VisibilityHeartbeat {
  /** Stops extending; resolves once an extension under way has finished (so it cannot undo a later release delay). */
  stop(): Promise<void>;
}

/** Keeps a received job invisible while it runs: every half timeout, extends its visibility by a whole timeout. */
export function keepInvisible(
  queue: JobQueue,
  receipt: string,
  visibilityTimeoutMs: number,
  onError: (error: unknown) => void,
): VisibilityHeartbeat {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let extending: Promise<void> = Promise.resolve();

  const schedule = () => {
    timer = setTimeout(() => {
      extending = queue
        .extendVisibility(receipt, visibilityTimeoutMs)
        .catch((error: unknown) => {
          if (!stopped) onError(error);
        })
        .finally(() => {
          if (!stopped) schedule();
        });
    }, Math.max(1, Math.floor(visibilityTimeoutMs / 2)));
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await extending;
    },
  };
}
