import type { ConnectorEngine } from "../connector-engine.js";
import { isConnectorError } from "../errors.js";
import { jsonResponse, type RouteAnswer } from "./oauth-routes.js";

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

type CheckResult = "ok" | "unavailable" | "timeout";

/**
 * `/readyz`: the store and the queue each answer one cheap call (their `ping`) within the timeout, or the answer is
 * 503. Only the check names and their states are shown: an error's message or cause never reaches the response.
 */
export async function readiness(engine: Pick<ConnectorEngine, "backends">, timeoutMs: number): Promise<RouteAnswer> {
  const { tokenStore, jobQueue } = engine.backends;
  const [store, queue] = await Promise.all([check(() => tokenStore.ping(), timeoutMs), check(() => jobQueue.ping(), timeoutMs)]);
  const ready = store.result === "ok" && queue.result === "ok";
  const errorCode = [store, queue].find((entry) => entry.result !== "ok")?.code;
  return {
    response: jsonResponse(ready ? 200 : 503, { status: ready ? "ready" : "unavailable", checks: { store: store.result, queue: queue.result } }),
    outcome: ready ? "ok" : "unavailable",
    ...(errorCode ? { errorCode } : {}),
  };
}

async function check(ping: () => Promise<void>, timeoutMs: number): Promise<{ result: CheckResult; code?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
    timer.unref?.();
  });
  try {
    const answer = await Promise.race([Promise.resolve().then(ping).then(() => "ok" as const), timeout]);
    return answer === "ok" ? { result: "ok" } : { result: "timeout", code: "readiness_timeout" };
  } catch (error) {
    return { result: "unavailable", code: isConnectorError(error) ? error.code : "backend_unavailable" };
  } finally {
    clearTimeout(timer);
  }
}
