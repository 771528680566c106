import { systemClock, type Clock } from "../../clock.js";
import type { PendingAuthorization, PendingAuthorizationStore } from "../../ports/pending-authorization-store.js";

export class MemoryPendingAuthorizationStore implements PendingAuthorizationStore {
  private readonly byState = new Map<string, PendingAuthorization>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async save(pending: PendingAuthorization): Promise<void> {
    this.dropExpired();
    this.byState.set(pending.state, structuredClone(pending));
  }

  async consume(state: string): Promise<PendingAuthorization | undefined> {
    const pending = this.byState.get(state);
    this.byState.delete(state);
    if (!pending || pending.expiresAt <= this.clock()) return undefined;
    return pending;
  }

  private dropExpired(): void {
    const now = this.clock();
    for (const [state, pending] of this.byState) if (pending.expiresAt <= now) this.byState.delete(state);
  }
}
