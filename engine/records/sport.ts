import type { Sport } from "./records.generated.js";

/**
 * A vendor's sport name (WHOOP "running", Polar and Garmin "RUNNING", "ROAD_BIKING", Oura "cycling", Strava
 * "MountainBikeRide", Withings category names) folded into the coarse families every vendor shares. Matched on words,
 * so "TRAIL_RUNNING" and "TrailRun" are running; the first family that matches wins, in this order.
 */
const FAMILIES: readonly (readonly [Sport | "other", RegExp])[] = [
  ["other", /\b(water|jet) ?ski(ing)?\b/], // not snow sports
  ["cycling", /\b(track cycling|cyclocross)\b/], // Garmin's TRACK_CYCLING is no run, CYCLOCROSS no word of "cycling"
  ["walking", /\b(walking|walk)\b/], // before running: "Treadmill Walking" is a walk
  ["running", /\b(running|run|jogging|treadmill|track)\b/],
  ["cycling", /\b(cycling|biking|bike|bicycle|spinning|ride)\b/],
  ["hiking", /\b(hiking|hike|trekking)\b/],
  ["swimming", /\b(swimming|swim)\b/],
  ["strength_training", /\b(strength|weightlifting|weight|weights|powerlifting|functional fitness|crossfit)\b/],
  ["rowing", /\b(rowing|row|indoor rowing)\b/],
  ["skiing", /\b(skiing|ski|snowboarding|snowboard)\b/],
  ["yoga", /\b(yoga|pilates)\b/],
];

export function sportOf(name: unknown): Sport | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name !== "string") return "other";
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2") // CamelCase: "MountainBikeRide"
    .replace(/([A-Z])([A-Z][a-z])/g, "$1 $2") // "EBikeRide"
    .toLowerCase()
    .replace(/[_-]+/g, " ");
  for (const [family, pattern] of FAMILIES) if (pattern.test(words)) return family;
  return "other";
}
