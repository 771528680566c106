import type { NormalizedEvent } from "../events.js";
import { isoFromMillis } from "../iso-time.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import { recordMapperOf } from "./record-mapper.js";
import type { HealthRecord } from "./records.generated.js";

/** The records an event's data gives (the fetched resource, or the pushed data), by the vendor's `records` mappings. */
export async function recordsOfEvent(vendors: readonly VendorDefinition[], event: NormalizedEvent, data: unknown, fetchedAtMillis: number): Promise<HealthRecord[]> {
  const vendor = vendors.find((candidate) => candidate.id === event.vendor);
  if (!vendor?.manifest.records) return [];
  const mapper = recordMapperOf(vendor.manifest);
  const source = { event: event.type };
  if (!mapper.handles(source)) return [];
  const { type, userId, resourceId, occurredAt } = event;
  return mapper.map(source, data, {
    vendorUserId: userId,
    fetchedAt: isoFromMillis(fetchedAtMillis)!,
    event: { type, userId, ...(resourceId === undefined ? {} : { resourceId }), ...(occurredAt === undefined ? {} : { occurredAt }) },
  });
}

/** The records a pull stream's data gives, by the vendor's `records` mappings that name the stream. */
export async function recordsOfStream(
  vendors: readonly VendorDefinition[],
  vendorId: string,
  stream: string,
  data: unknown,
  context: { readonly vendorUserId?: string; readonly fetchedAtMillis: number },
): Promise<HealthRecord[]> {
  const vendor = vendors.find((candidate) => candidate.id === vendorId);
  if (!vendor?.manifest.records) return [];
  const mapper = recordMapperOf(vendor.manifest);
  if (!mapper.handles({ stream })) return [];
  return mapper.map({ stream }, data, { vendorUserId: context.vendorUserId, fetchedAt: isoFromMillis(context.fetchedAtMillis)! });
}
