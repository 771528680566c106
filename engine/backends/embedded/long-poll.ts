/**
 * Repeats `attempt` until it returns something or `waitMs` of real time has passed.
 * Real time, not the injected clock: this is how long the caller is willing to block,
 * and a frozen test clock must not make it block forever.
 */
export async function longPoll<T>(
  attempt: () => T[],
  waitMs: number | undefined,
  options: { intervalMs?: number; wake?: (listener: () => void) => () => void } = {},
): Promise<T[]> {
  const first = attempt();
  if (first.length > 0 || !waitMs || waitMs <= 0) return first;
  const deadline = performance.now() + waitMs;
  const intervalMs = options.intervalMs ?? 50;
  for (;;) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return attempt();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(intervalMs, remaining));
      const unsubscribe = options.wake?.(done);
      function done() {
        clearTimeout(timer);
        unsubscribe?.();
        resolve();
      }
    });
    const found = attempt();
    if (found.length > 0) return found;
  }
}
