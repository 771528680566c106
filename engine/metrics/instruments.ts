import { metrics, type Counter, type Histogram, type MeterProvider, type ObservableGauge } from "@opentelemetry/api";

/** The meter every instrument of the connector belongs to. */
export const METER_NAME = "@synheart/cloud-connector";

export interface ConnectorInstruments {
  /** synheart.webhooks {vendor, outcome, error_code?}: webhook requests by how they ended. */
  readonly webhooks: Counter;
  /** synheart.jobs {vendor, outcome}: job attempts (delivered, gone, skipped, failed) and dead-lettered jobs. */
  readonly jobs: Counter;
  /** synheart.token.refreshes {vendor, outcome}: token refreshes by how they ended. */
  readonly refreshes: Counter;
  /** synheart.rate_limit.waits {vendor}: times a vendor API call waited for rate-limit capacity. */
  readonly rateLimitWaits: Counter;
  /** synheart.rate_limit.wait_duration {vendor}, ms: how long those waits were. */
  readonly rateLimitWaitDuration: Histogram;
  /** synheart.sync.webhook_fallback {vendor, scope, transition}: polling fallbacks entered and left when webhooks went silent (scope app or user). */
  readonly webhookFallback: Counter;
  /** synheart.queue.depth {state}: jobs waiting (visible), in flight and dead-lettered. */
  readonly queueDepth: ObservableGauge;
}

let cached: { provider: MeterProvider; instruments: ConnectorInstruments } | undefined;

/**
 * The connector's instruments on the global MeterProvider of `@opentelemetry/api`: no-ops until the app registers an
 * SDK (then they follow it, even if it is registered after the engine was created). One global lookup per record.
 */
export function instruments(): ConnectorInstruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const meter = provider.getMeter(METER_NAME);
  const created: ConnectorInstruments = {
    webhooks: meter.createCounter("synheart.webhooks", { description: "Webhook requests, by vendor and outcome" }),
    jobs: meter.createCounter("synheart.jobs", { description: "Job attempts, by vendor and outcome" }),
    refreshes: meter.createCounter("synheart.token.refreshes", { description: "OAuth token refreshes, by vendor and outcome" }),
    rateLimitWaits: meter.createCounter("synheart.rate_limit.waits", { description: "Vendor API calls that waited for rate-limit capacity" }),
    rateLimitWaitDuration: meter.createHistogram("synheart.rate_limit.wait_duration", { description: "Time waited for rate-limit capacity", unit: "ms" }),
    webhookFallback: meter.createCounter("synheart.sync.webhook_fallback", { description: "Fallbacks to polling entered and left when a vendor's webhooks went silent, by scope (app or user)" }),
    queueDepth: meter.createObservableGauge("synheart.queue.depth", { description: "Jobs in the queue, by state (visible, in_flight, dead_lettered)" }),
  };
  cached = { provider, instruments: created };
  return created;
}
