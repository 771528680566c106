/**
 * The cookie that carries a browser binding nonce from `/oauth/:vendor/start` to its callback: HttpOnly (no script
 * reads it), SameSite=Lax (sent on the vendor's top-level redirect back, not on cross-site subrequests), scoped to the
 * callback path, Secure when the connector is served over https, and gone once the callback has run.
 */
export function bindingCookieName(vendorId: string): string {
  return `synheart_oauth_${vendorId.replace(/-/g, "_")}`;
}

export interface BindingCookieScope {
  readonly vendorId: string;
  /** The callback's path, e.g. /connector/oauth/whoop/callback. */
  readonly path: string;
  readonly secure: boolean;
}

export function setBindingCookie(scope: BindingCookieScope, nonce: string, maxAgeSeconds: number): string {
  return `${bindingCookieName(scope.vendorId)}=${nonce}; Path=${scope.path}; Max-Age=${Math.max(1, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Lax${scope.secure ? "; Secure" : ""}`;
}

export function clearBindingCookie(scope: BindingCookieScope): string {
  return `${bindingCookieName(scope.vendorId)}=; Path=${scope.path}; Max-Age=0; HttpOnly; SameSite=Lax${scope.secure ? "; Secure" : ""}`;
}

const MAX_COOKIE_HEADER = 8192;

/** The binding nonce the request's Cookie header holds for this vendor (the first one, when sent twice). */
export function readBindingCookie(request: Request, vendorId: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header || header.length > MAX_COOKIE_HEADER) return undefined;
  const name = bindingCookieName(vendorId);
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator < 0 || part.slice(0, separator).trim() !== name) continue;
    const value = part.slice(separator + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}
