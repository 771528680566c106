import type { Sport } from "./records.generated.js";

/**
 * A vendor's sport name (WHOOP "running", Polar and Garmin "RUNNING", "ROAD_BIKING", Oura "cycling", Withings
 * category names) folded into the coarse families every vendor shares. Matched on words, so "TRAIL_RUNNING" is running.
 */
const FAMILIES: readonly (readonly [Sport, RegExp])[] = [
  ["running", /\b(running|run|jogging|treadmill|track)\b/],
  ["cycling", /\b(cycling|biking|bike|bicycle|spinning|ride)\b/],
  ["walking", /\b(walking|walk)\b/],
  ["hiking", /\b(hiking|hike|trekking)\b/],
  ["swimming", /\b(swimming|swim)\b/],
  ["strength_training", /\b(strength|weightlifting|weight|weights|powerlifting|functional fitness|crossfit)\b/],
  ["rowing", /\b(rowing|row|indoor rowing)\b/],
  ["skiing", /\b(skiing|ski|snowboarding)\b/],
  ["yoga", /\b(yoga|pilates)\b/],
];

export function sportOf(name: unknown): Sport | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name !== "string") return "other";
  const words = name.toLowerCase().replace(/[_-]+/g, " ");
  for (const [family, pattern] of FAMILIES) if (pattern.test(words)) return family;
  return "other";
}
