// The single-table layout shared by every DynamoDB-backed port. docs/aws.md describes it item by item.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export const attr = {
  pk: "pk",
  sk: "sk",
  gsi1pk: "gsi1pk",
  gsi1sk: "gsi1sk",
  /** Epoch seconds; DynamoDB TTL deletes the item some time (up to days) after it. */
  ttl: "ttl",
} as const;

export const gsi1Name = "gsi1";

/** `#` separates key parts, so it (and `%`, the escape) is escaped inside caller-supplied parts. */
export function keyPart(value: string): string {
  return value.replace(/%/g, "%25").replace(/#/g, "%23");
}

export const keys = {
  connection: (vendor: string, userId: string) => ({
    pk: `CONN#${keyPart(vendor)}#${keyPart(userId)}`,
    sk: "CONN",
  }),
  connectionsOfVendor: (vendor: string) => `VENDOR#${keyPart(vendor)}`,
  /** Sort key in gsi1: connections with a vendor user id sort under `VUSER#`, so one begins_with finds them. */
  connectionInVendor: (userId: string, vendorUserId: string | undefined) =>
    vendorUserId === undefined ? `USER#${keyPart(userId)}` : `${vendorUserPrefix(vendorUserId)}${keyPart(userId)}`,
  pendingAuthorization: (state: string) => ({ pk: `PENDING#${keyPart(state)}`, sk: "PENDING" }),
  replay: (key: string) => ({ pk: `REPLAY#${keyPart(key)}`, sk: "REPLAY" }),
  lease: (key: string) => ({ pk: `LEASE#${keyPart(key)}`, sk: "LEASE" }),
  rateBucket: (key: string) => ({ pk: `RATE#${keyPart(key)}`, sk: "RATE" }),
  /** A user's sync checkpoints share one partition, so one Query lists them. */
  syncCheckpoint: (vendor: string, userId: string, stream: string) => ({
    pk: `SYNC#${keyPart(vendor)}#${keyPart(userId)}`,
    sk: `STREAM#${keyPart(stream)}`,
  }),
  syncCheckpointsOf: (vendor: string, userId: string) => `SYNC#${keyPart(vendor)}#${keyPart(userId)}`,
  syncDelivered: (vendor: string, userId: string, stream: string, recordId: string) => ({
    pk: `SYNCREC#${keyPart(vendor)}#${keyPart(userId)}#${keyPart(stream)}#${keyPart(recordId)}`,
    sk: "SYNCREC",
  }),
};

export function vendorUserPrefix(vendorUserId: string): string {
  return `VUSER#${keyPart(vendorUserId)}#USER#`;
}

export function keyOf(key: { pk: string; sk: string }): Record<string, AttributeValue> {
  return { [attr.pk]: { S: key.pk }, [attr.sk]: { S: key.sk } };
}

export function ttlSeconds(epochMs: number): number {
  return Math.ceil(epochMs / 1000);
}

// Minimal AttributeValue codec: the items here are flat and few, so a marshalling library is not worth a dependency.
export const av = {
  s: (value: string): AttributeValue => ({ S: value }),
  n: (value: number): AttributeValue => ({ N: String(value) }),
  ss: (values: readonly string[]): AttributeValue => ({ L: values.map((v) => ({ S: v })) }),
};

type Item = Record<string, AttributeValue> | undefined;

export const read = {
  s(item: Item, name: string): string | undefined {
    const value = item?.[name];
    return value && "S" in value ? value.S : undefined;
  },
  n(item: Item, name: string): number | undefined {
    const value = item?.[name];
    return value && "N" in value && value.N !== undefined ? Number(value.N) : undefined;
  },
  strings(item: Item, name: string): string[] {
    const value = item?.[name];
    if (!value || !("L" in value) || !value.L) return [];
    return value.L.flatMap((entry) => (entry.S === undefined ? [] : [entry.S]));
  },
  requiredS(item: Item, name: string): string {
    const value = read.s(item, name);
    if (value === undefined) throw new TypeError(`stored item lacks string attribute ${name}`);
    return value;
  },
  requiredN(item: Item, name: string): number {
    const value = read.n(item, name);
    if (value === undefined) throw new TypeError(`stored item lacks number attribute ${name}`);
    return value;
  },
};
