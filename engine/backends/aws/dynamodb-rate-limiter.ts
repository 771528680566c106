import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { RateLimiter, RateWindow, TakeResult } from "../../ports/rate-limiter.js";
import { awsCall, backendUnavailable, isAwsError } from "./aws-errors.js";
import { DynamoDbTableStore } from "./dynamodb-table.js";
import { loadDynamoDbSdk } from "./sdk.js";
import { attr, av, keyOf, keys, read, ttlSeconds } from "./table-schema.js";

/** Buckets idle this long after they would be full again are left to TTL. */
const ttlSlackMs = 60 * 60_000;
const maxAttempts = 4;
const maxRememberedBuckets = 10_000;
/** Tolerance for float rounding of period / limit (a third of a second, three times, is not quite a second). */
const epsilonMs = 0.001;

interface BucketState {
  /** Theoretical arrival time per window attribute (epoch ms); see the class comment. */
  readonly tats: ReadonlyMap<string, number>;
  readonly pausedUntil: number;
}

interface WindowPlan {
  readonly attribute: string;
  /** Milliseconds one token takes to refill. */
  readonly intervalMs: number;
  readonly periodMs: number;
  /** The bucket's capacity in time: burst (default limit) tokens of intervalMs each. */
  readonly capacityMs: number;
}

/**
 * A token bucket per key shared by every process, kept as one `RATE#` item, as GCRA: each window stores only its
 * "theoretical arrival time" (tat), the moment its bucket would be full again. With T = period / limit,
 * a take of `cost` is allowed when max(tat, now) + cost*T - now <= period, and sets tat = max(tat, now) + cost*T.
 *
 * DynamoDB cannot compute max(tat, now) in an update, so each window is guessed to be idle (tat <= now: SET tat =
 * now + cost*T) or busy (tat > now: SET tat = tat + cost*T, with tat <= now + period - cost*T in the condition), from
 * the last state this process saw. A right guess costs one conditional UpdateItem; a wrong one fails the condition,
 * returns the current item (ReturnValuesOnConditionCheckFailure) and is retried once from the real state.
 * Tats only grow, so a remembered state that already refuses a take is proof enough: no call is made for it.
 */
export class DynamoDbRateLimiter extends DynamoDbTableStore implements RateLimiter {
  private readonly lastSeen = new Map<string, BucketState>();

  async take(key: string, windows: readonly RateWindow[], cost = 1): Promise<TakeResult> {
    const plans = windows.map(planWindow);
    for (const plan of plans) {
      if (cost * plan.intervalMs > plan.capacityMs + epsilonMs) {
        throw new RangeError(`a take of ${cost} can never fit a window of ${plan.capacityMs / plan.intervalMs} tokens`);
      }
    }
    if (cost <= 0) return { granted: true };

    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const now = this.clock();
      const known = this.lastSeen.get(key);
      if (known) {
        const refusal = refusalFrom(known, plans, cost, now);
        if (refusal) return refusal;
      }
      const outcome = await this.tryTake(key, plans, cost, now, known);
      this.remember(key, outcome.state);
      if (outcome.granted) return { granted: true };
    }
    // Lost the race every time: others are taking as fast as the bucket refills.
    return { granted: false, retryInMs: Math.ceil(Math.min(...plans.map((p) => p.intervalMs * cost), 1000)) };
  }

  async pauseUntil(key: string, untilMs: number): Promise<void> {
    const { UpdateItemCommand } = await loadDynamoDbSdk();
    const names = { "#paused": "pausedUntil", "#ttl": attr.ttl };
    const values = { ":until": av.n(untilMs), ":ttl": av.n(ttlSeconds(untilMs + ttlSlackMs)) };
    try {
      // Extends the TTL too, unless the bucket already lives longer (a long window keeps it).
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.rateBucket(key)),
          UpdateExpression: "SET #paused = :until, #ttl = :ttl",
          ConditionExpression:
            "(attribute_not_exists(#paused) OR #paused < :until) AND (attribute_not_exists(#ttl) OR #ttl <= :ttl)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) {
        throw backendUnavailable("DynamoDB", "UpdateItem", error);
      }
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: keyOf(keys.rateBucket(key)),
            UpdateExpression: "SET #paused = :until",
            ConditionExpression: "attribute_not_exists(#paused) OR #paused < :until",
            ExpressionAttributeNames: { "#paused": "pausedUntil" },
            ExpressionAttributeValues: { ":until": values[":until"] },
          }),
        );
      } catch (retryError) {
        // Already paused at least this long.
        if (!isAwsError(retryError, "ConditionalCheckFailedException")) {
          throw backendUnavailable("DynamoDB", "UpdateItem", retryError);
        }
      }
    }
    const known = this.lastSeen.get(key);
    this.remember(key, { tats: known?.tats ?? new Map(), pausedUntil: Math.max(known?.pausedUntil ?? 0, untilMs) });
  }

  private async tryTake(
    key: string,
    plans: readonly WindowPlan[],
    cost: number,
    now: number,
    known: BucketState | undefined,
  ): Promise<{ granted: boolean; state: BucketState }> {
    const { UpdateItemCommand } = await loadDynamoDbSdk();
    const names: Record<string, string> = { "#paused": "pausedUntil", "#ttl": attr.ttl };
    const values: Record<string, AttributeValue> = {
      ":now": av.n(now),
      ":ttl": av.n(ttlSeconds(now + Math.max(0, ...plans.map((p) => p.periodMs)) + ttlSlackMs)),
    };
    const conditions = ["(attribute_not_exists(#paused) OR #paused <= :now)"];
    const updates = ["#ttl = :ttl"];
    plans.forEach((plan, i) => {
      const increment = cost * plan.intervalMs;
      names[`#t${i}`] = plan.attribute;
      const knownTat = known?.tats.get(plan.attribute);
      if (knownTat !== undefined && knownTat > now) {
        values[`:inc${i}`] = av.n(increment);
        values[`:max${i}`] = av.n(now + plan.capacityMs - increment + epsilonMs);
        conditions.push(`(#t${i} > :now AND #t${i} <= :max${i})`);
        updates.push(`#t${i} = #t${i} + :inc${i}`);
      } else {
        values[`:set${i}`] = av.n(now + increment);
        conditions.push(`(attribute_not_exists(#t${i}) OR #t${i} <= :now)`);
        updates.push(`#t${i} = :set${i}`);
      }
    });
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.rateBucket(key)),
          UpdateExpression: `SET ${updates.join(", ")}`,
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { granted: true, state: stateFromItem(output.Attributes, plans) };
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) {
        throw backendUnavailable("DynamoDB", "UpdateItem", error);
      }
      const current = (error as { Item?: Record<string, AttributeValue> }).Item ?? (await this.read(key));
      return { granted: false, state: stateFromItem(current, plans) };
    }
  }

  /** Only for servers that ignore ReturnValuesOnConditionCheckFailure. */
  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { GetItemCommand } = await loadDynamoDbSdk();
    const output = await awsCall("DynamoDB", "GetItem", () =>
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.rateBucket(key)), ConsistentRead: true }),
      ),
    );
    return output.Item;
  }

  private remember(key: string, state: BucketState): void {
    this.lastSeen.delete(key);
    this.lastSeen.set(key, state);
    if (this.lastSeen.size > maxRememberedBuckets) {
      const oldest = this.lastSeen.keys().next().value;
      if (oldest !== undefined) this.lastSeen.delete(oldest);
    }
  }
}

function planWindow(window: RateWindow): WindowPlan {
  if (!(window.limit > 0) || !(window.periodSeconds > 0) || (window.burst !== undefined && !(window.burst >= 1 && window.burst <= window.limit))) {
    throw new RangeError(`invalid rate window ${window.limit}/${window.periodSeconds}s`);
  }
  const periodMs = window.periodSeconds * 1000;
  const intervalMs = periodMs / window.limit;
  return {
    attribute: `tat_${window.limit}_per_${window.periodSeconds}s`,
    intervalMs,
    periodMs,
    capacityMs: window.burst === undefined ? periodMs : window.burst * intervalMs,
  };
}

function stateFromItem(item: Record<string, AttributeValue> | undefined, plans: readonly WindowPlan[]): BucketState {
  const tats = new Map<string, number>();
  for (const plan of plans) {
    const tat = read.n(item, plan.attribute);
    if (tat !== undefined) tats.set(plan.attribute, tat);
  }
  return { tats, pausedUntil: read.n(item, "pausedUntil") ?? 0 };
}

/** A refusal when `state` (or anything newer, since tats only grow) cannot grant `cost` now. */
function refusalFrom(
  state: BucketState,
  plans: readonly WindowPlan[],
  cost: number,
  now: number,
): TakeResult | undefined {
  let waitMs = state.pausedUntil > now ? state.pausedUntil - now : 0;
  for (const plan of plans) {
    const tat = state.tats.get(plan.attribute);
    if (tat === undefined) continue;
    waitMs = Math.max(waitMs, tat + cost * plan.intervalMs - plan.capacityMs - now);
  }
  return waitMs > epsilonMs ? { granted: false, retryInMs: Math.ceil(waitMs) } : undefined;
}
