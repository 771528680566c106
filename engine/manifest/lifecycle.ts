import type { VendorManifest } from "./manifest.generated.js";

export type LifecycleState = "active" | "deprecated" | "retired";

/** A status with a future `effective` date is not in force yet: a retirement announced for next month is a deprecation today. */
export function lifecycleState(manifest: Pick<VendorManifest, "lifecycle">, now: Date = new Date()): LifecycleState {
  const lifecycle = manifest.lifecycle;
  if (!lifecycle || lifecycle.status === "active") return "active";
  if (lifecycle.effective && new Date(`${lifecycle.effective}T00:00:00Z`) > now) return "deprecated";
  return lifecycle.status;
}

export function lifecycleMessage(manifest: Pick<VendorManifest, "lifecycle" | "displayName">, now?: Date): string | undefined {
  const state = lifecycleState(manifest, now);
  if (state === "active") return undefined;
  const lifecycle = manifest.lifecycle!;
  const when = lifecycle.effective ? ` (${lifecycle.status} from ${lifecycle.effective})` : "";
  const successor = lifecycle.successor ? `; successor: ${lifecycle.successor}` : "";
  // "Fitbit Web API (legacy) is retired", not "... (legacy) API is retired".
  const subject = /\bAPI\b/.test(manifest.displayName) ? manifest.displayName : `${manifest.displayName} API`;
  return `${subject} is ${state}${when}${successor}${lifecycle.note ? `. ${lifecycle.note}` : ""}`;
}
