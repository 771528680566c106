import { ConnectorError } from "../errors.js";
import { parseIsoTime } from "../iso-time.js";
import type { NormalizedEvent } from "../events.js";
import { compileExpression, evaluateCompiled, evaluateExpression, FALLBACK, type CompiledExpression } from "../manifest/expressions.js";
import type { RecordMapping, VendorManifest } from "../manifest/manifest.generated.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import { RECORD_FUNCTION_BINDINGS, RECORD_FUNCTIONS } from "./functions.js";
import { recordId } from "./record-id.js";
import { describeRecordError, recordValidator } from "./record-schemas.js";
import type { HealthRecord } from "./records.generated.js";

/** What the data came from: an event type (fetched or pushed data) or a pull stream. */
export type RecordSource = { readonly event: string; readonly stream?: never } | { readonly stream: string; readonly event?: never };

export interface RecordContext {
  /** The vendor's id of the user: part of every record id. */
  readonly vendorUserId?: string | undefined;
  /** When the engine received the data, a UTC instant. */
  readonly fetchedAt: string;
  /** Bound as `$event` for the mappings of events. */
  readonly event?: Pick<NormalizedEvent, "type" | "userId" | "resourceId" | "occurredAt">;
}

interface PreparedMapping {
  readonly index: number;
  readonly mapping: DeepReadonly<RecordMapping>;
  /** The expression, compiled at its first use (the loader already compiled it once to check it). */
  expression?: CompiledExpression;
}

/**
 * Turns a vendor's data into normalized health records with the manifest's `records` mappings. Mappings are found by
 * a Map lookup on the event type or stream name; their expressions are compiled once per process (the loader already
 * compiled them to check them). Every record is validated against its schema: a mapping that gives an invalid record
 * is a `record_invalid` error, never a half-filled record.
 */
export class RecordMapper {
  private readonly byEvent = new Map<string, PreparedMapping[]>();
  private readonly byStream = new Map<string, PreparedMapping[]>();

  constructor(private readonly manifest: DeepReadonly<VendorManifest>) {
    manifest.records?.forEach((mapping, index) => {
      const prepared: PreparedMapping = { index, mapping };
      for (const type of mapping.events ?? []) listIn(this.byEvent, type).push(prepared);
      for (const name of mapping.streams ?? []) listIn(this.byStream, name).push(prepared);
    });
  }

  /** Whether any mapping takes data from this source (so a caller can skip the work). */
  handles(source: RecordSource): boolean {
    return this.mappingsFor(source).length > 0;
  }

  async map(source: RecordSource, data: unknown, context: RecordContext): Promise<HealthRecord[]> {
    const mappings = this.mappingsFor(source);
    if (mappings.length === 0 || data === undefined) return [];
    const bindings = context.event ? Object.assign(Object.create(RECORD_FUNCTION_BINDINGS) as Record<string, unknown>, { event: context.event }) : RECORD_FUNCTION_BINDINGS;
    const records: HealthRecord[] = [];
    for (const prepared of mappings) {
      const { index, mapping } = prepared;
      let drafts: unknown;
      try {
        const compiled = (prepared.expression ??= compileExpression(mapping.map)).compiled;
        drafts = compiled ? evaluateCompiled(compiled, data, bindings) : FALLBACK;
        // JSONata reads only a bindings object's own keys: it gets a flat copy.
        if (drafts === FALLBACK) drafts = await evaluateExpression(mapping.map, data, context.event ? { ...RECORD_FUNCTIONS, event: context.event } : { ...RECORD_FUNCTIONS });
      } catch (error) {
        throw new ConnectorError("mapping_failed", `${this.manifest.id}: records mapping ${index}: ${evaluationFailure(error)}`, {
          vendor: this.manifest.id,
          details: { mapping: `/records/${index}` },
        });
      }
      if (drafts === undefined || drafts === null) continue;
      const first = records.length;
      if (!Array.isArray(drafts)) records.push(this.toRecord(drafts, index, context));
      else for (const draft of drafts) records.push(this.toRecord(draft, index, context));
      const repeated = firstRepeat(records, first);
      if (repeated) this.invalid(index, repeated.id, repeated.type, "/provenance/vendorRecordId", "repeats another record made from this data");
    }
    return records;
  }

  private mappingsFor(source: RecordSource): readonly PreparedMapping[] {
    const found = source.event !== undefined ? this.byEvent.get(source.event) : this.byStream.get(source.stream);
    return found ?? [];
  }

  /** A draft (a record without id and provenance) made whole and validated. */
  private toRecord(draft: unknown, index: number, context: RecordContext): HealthRecord {
    if (draft === null || typeof draft !== "object" || Array.isArray(draft)) this.invalid(index, undefined, undefined, "", "the mapping gave something other than an object");
    const fields = draft as Record<string, unknown>;
    const type = fields.type;
    const validate = typeof type === "string" ? recordValidator(type) : undefined;
    if (!validate) this.invalid(index, undefined, undefined, "/type", "is not a record type of schema/records");
    const vendorId = scalarString(fields.vendorRecordId);
    if (!vendorId) this.invalid(index, undefined, type as string, "/provenance/vendorRecordId", "is missing (vendorRecordId must be a string or number)");
    // A deletion marker carries the id of the record it removes: that record's type, not its own, makes the id.
    const idType = type === "deletion" ? fields.recordType : type;
    if (typeof idType !== "string" || (idType !== type && (idType === "deletion" || !recordValidator(idType)))) {
      this.invalid(index, undefined, type as string, "/recordType", "is not a record type of schema/records");
    }
    const id = recordId(this.manifest.id, context.vendorUserId, idType, vendorId);
    const provenance = provenanceOf(this.manifest.id, vendorId, context, fields.device, fields.source);
    const record: Record<string, unknown> = { id, type, provenance };
    for (const key in fields) {
      if (key === "type" || key === "vendorRecordId" || key === "device" || key === "source") continue;
      if (key === "id" || key === "provenance") this.invalid(index, id, type as string, `/${key}`, "is made by the engine, not by a mapping");
      record[key] = fields[key];
    }
    if (!validate(record)) {
      const { path, message } = describeRecordError(validate.errors?.[0] ?? undefined);
      this.invalid(index, id, type as string, path, message);
    }
    const frame = record.effectiveTimeFrame as { startDateTime?: string; endDateTime?: string } | undefined;
    if (frame?.startDateTime !== undefined && frame.endDateTime !== undefined && endsBeforeStart(frame.startDateTime, frame.endDateTime)) {
      this.invalid(index, id, type as string, "/effectiveTimeFrame/endDateTime", "is before startDateTime");
    }
    return record as unknown as HealthRecord;
  }

  private invalid(index: number, id: string | undefined, type: string | undefined, path: string, message: string): never {
    const what = id ? `record ${id} (${type})` : type ? `a ${type} record` : "a record";
    throw new ConnectorError("record_invalid", `${this.manifest.id}: records mapping ${index} gave ${what}: ${path || "the record"} ${message}`, {
      vendor: this.manifest.id,
      details: { mapping: `/records/${index}`, ...(id ? { recordId: id } : {}), ...(type ? { recordType: type } : {}), path },
    });
  }
}

const mappers = new WeakMap<object, RecordMapper>();

/** The mapper of a (frozen) manifest, made at its first use. */
export function recordMapperOf(manifest: DeepReadonly<VendorManifest>): RecordMapper {
  let mapper = mappers.get(manifest);
  if (!mapper) {
    mapper = new RecordMapper(manifest);
    mappers.set(manifest, mapper);
  }
  return mapper;
}

/**
 * Why an evaluation failed, without the data: JSONata writes the offending value into some messages (D3110 quotes
 * the string it could not parse), so its errors are named by code and position only; the helpers' own TypeErrors
 * name types, never values.
 */
function evaluationFailure(error: unknown): string {
  const { code, position, message } = (error ?? {}) as { code?: unknown; position?: unknown; message?: unknown };
  if (typeof code === "string") return `JSONata error ${code}${typeof position === "number" ? ` at character ${position}` : ""}`;
  if (error instanceof TypeError && typeof message === "string") return message;
  return "the expression failed";
}

function listIn<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/**
 * The first record from `from` on whose id an earlier record has. Pairwise for the handful a payload gives, by what
 * the id is made of that varies within one call (the id's record type and the vendor record id): type names are
 * the mappings' constants, compared by reference, so the ids' text is not read.
 */
function firstRepeat(records: readonly HealthRecord[], from: number): HealthRecord | undefined {
  if (records.length > 32) {
    const seen = new Set<string>();
    for (const record of records) {
      if (seen.has(record.id)) return record;
      seen.add(record.id);
    }
    return undefined;
  }
  for (let i = Math.max(from, 1); i < records.length; i++) {
    const record = records[i]!;
    const type = idTypeOf(record);
    for (let j = 0; j < i; j++) {
      const earlier = records[j]!;
      if (idTypeOf(earlier) === type && earlier.provenance.vendorRecordId === record.provenance.vendorRecordId) return record;
    }
  }
  return undefined;
}

/** The record type a record's id is made with: a deletion marker's is the type of the record it removes. */
function idTypeOf(record: HealthRecord): string {
  return record.type === "deletion" ? record.recordType : record.type;
}

/**
 * Whether a validated UTC instant (YYYY-MM-DDThh:mm:ss[.fraction]Z) is before another. Two of one length with at
 * most milliseconds (what the engine's helpers write) compare as text; otherwise the first 19 characters do, and only
 * the same second needs the fractions parsed (to milliseconds, as Date.parse reads them).
 */
function endsBeforeStart(start: string, end: string): boolean {
  if (start.length === end.length && start.length <= 24) return end < start;
  for (let i = 0; i < 19; i++) {
    const a = start.charCodeAt(i);
    const b = end.charCodeAt(i);
    if (a !== b) return b < a;
  }
  return parseIsoTime(end) < parseIsoTime(start);
}

/** A record's provenance, its fields in the schema's order; the usual shapes built whole, as one literal each. */
function provenanceOf(vendor: string, vendorRecordId: string, context: RecordContext, device: unknown, source: unknown): Record<string, unknown> {
  const { vendorUserId, fetchedAt } = context;
  if (device === undefined && source === undefined) {
    return vendorUserId !== undefined ? { vendor, vendorRecordId, vendorUserId, fetchedAt } : { vendor, vendorRecordId, fetchedAt };
  }
  const provenance: Record<string, unknown> = { vendor, vendorRecordId };
  if (vendorUserId !== undefined) provenance.vendorUserId = vendorUserId;
  if (device !== undefined) provenance.device = device;
  if (source !== undefined) provenance.source = source;
  provenance.fetchedAt = fetchedAt;
  return provenance;
}

function scalarString(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
