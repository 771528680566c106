/** Vendor ids as the manifest schema allows them; anything else (dots, slashes, encoded traversal) is not looked up. */
export const VENDOR_ID_PATTERN = /^[a-z][a-z0-9-]{1,39}$/;

const MAX_USER_ID_LENGTH = 256;

export type Route =
  | { readonly name: "oauth-start"; readonly vendor: string }
  | { readonly name: "oauth-callback"; readonly vendor: string }
  | { readonly name: "webhook"; readonly vendor: string }
  | { readonly name: "connection"; readonly vendor: string; readonly userId: string }
  | { readonly name: "healthz" }
  | { readonly name: "readyz" };

export type RouteMatch =
  | { readonly ok: true; readonly route: Route; readonly allowed: readonly string[] }
  | { readonly ok: false; readonly status: 404 | 400; readonly error: "not_found" | "unknown_vendor" | "invalid_user_id"; readonly label: string };

/** The route's name as logs show it, with the variable parts left out. */
export function routeLabel(route: Route): string {
  switch (route.name) {
    case "oauth-start":
      return "/oauth/:vendor/start";
    case "oauth-callback":
      return "/oauth/:vendor/callback";
    case "webhook":
      return "/webhooks/:vendor";
    case "connection":
      return "/connections/:vendor/:userId";
    case "healthz":
      return "/healthz";
    case "readyz":
      return "/readyz";
  }
}

export function normalizePrefix(prefix: string | undefined): string {
  if (!prefix || prefix === "/") return "";
  return "/" + prefix.replace(/^\/+|\/+$/g, "");
}

/** Matches a path (already known to start with the prefix) to a route; does not look at the method. */
export function matchRoute(pathname: string, prefix: string): RouteMatch {
  if (!pathname.startsWith(prefix + "/")) return notFound();
  const segments = pathname.slice(prefix.length + 1).split("/");
  const [first, vendor, third, ...rest] = segments;
  if (first === "healthz" && segments.length === 1) return { ok: true, route: { name: "healthz" }, allowed: ["GET", "HEAD"] };
  if (first === "readyz" && segments.length === 1) return { ok: true, route: { name: "readyz" }, allowed: ["GET", "HEAD"] };
  if (vendor === undefined) return notFound();

  const invalidVendor = !VENDOR_ID_PATTERN.test(vendor);
  if (first === "webhooks" && segments.length === 2) {
    return invalidVendor ? unknownVendor("/webhooks/:vendor") : { ok: true, route: { name: "webhook", vendor }, allowed: ["GET", "POST", "HEAD"] };
  }
  if (first === "oauth" && segments.length === 3 && (third === "start" || third === "callback")) {
    const name = third === "start" ? "oauth-start" : "oauth-callback";
    return invalidVendor ? unknownVendor(`/oauth/:vendor/${third}`) : { ok: true, route: { name, vendor }, allowed: ["GET"] };
  }
  if (first === "connections" && segments.length === 3 && third !== undefined && rest.length === 0) {
    if (invalidVendor) return unknownVendor("/connections/:vendor/:userId");
    const userId = decodeSegment(third);
    if (userId === undefined) return { ok: false, status: 400, error: "invalid_user_id", label: "/connections/:vendor/:userId" };
    return { ok: true, route: { name: "connection", vendor, userId }, allowed: ["DELETE"] };
  }
  return notFound();
}

/** A user id as the caller gave it: percent-decoded, printable, bounded. */
export function validUserId(value: string | null | undefined): string | undefined {
  if (!value || value.length > MAX_USER_ID_LENGTH) return undefined;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(value) ? undefined : value;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return validUserId(decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function notFound(): RouteMatch {
  return { ok: false, status: 404, error: "not_found", label: "unmatched" };
}

function unknownVendor(label: string): RouteMatch {
  return { ok: false, status: 404, error: "unknown_vendor", label };
}
