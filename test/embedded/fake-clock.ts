import type { Clock } from "../../engine/clock.js";

export interface FakeClock {
  readonly clock: Clock;
  readonly now: () => number;
  readonly advance: (ms: number) => Promise<void>;
}

export function fakeClock(start = Date.UTC(2025, 0, 1)): FakeClock {
  let current = start;
  const now = () => current;
  return {
    clock: now,
    now,
    advance: async (ms) => {
      current += ms;
    },
  };
}
