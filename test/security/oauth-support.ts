import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalServer, type LocalServer, type LocalServerOptions } from "../../engine/handlers/local-server.js";

/** The connect-link key of the tests' servers (32+ bytes). */
export const LINK_KEY = "test-connect-link-key-0123456789abcdef";
export const ADMIN_TOKEN = "admin-token-for-security-tests-0123";

export function temporaryDirectory(prefix = "synheart-security-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** `serve` with the sandbox vendor on a free port, quiet, on its own data directory. */
export async function startSandboxServer(directory: string, options: Partial<LocalServerOptions> = {}): Promise<LocalServer> {
  return startLocalServer({
    port: 0,
    sandbox: true,
    vendorPaths: [],
    directory,
    env: { SYNHEART_CONNECT_LINK_KEY: LINK_KEY, SYNHEART_ADMIN_TOKEN: ADMIN_TOKEN },
    logger: () => {},
    jobLogger: () => {},
    worker: false,
    ...options,
  });
}

/** One browser: keeps the cookies servers set (name=value only; enough for these tests) and sends them back. */
export class Browser {
  private readonly jar = new Map<string, string>();

  async get(url: string): Promise<Response> {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(url, { redirect: "manual", ...(cookie ? { headers: { cookie } } : {}) });
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  cookies(): ReadonlyMap<string, string> {
    return this.jar;
  }
}

/** Follows the sandbox consent page: approve as `login`; returns the callback URL the vendor redirects to. */
export async function approveAtSandbox(browser: Browser, consentUrl: string, login = "alice"): Promise<string> {
  const page = await (await browser.get(consentUrl)).text();
  const approve = /id="approve" href="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, "&");
  if (!approve) throw new Error("no approve link on the consent page");
  const url = new URL(approve);
  url.searchParams.set("login", login);
  const response = await browser.get(url.toString());
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) throw new Error(`approve answered ${response.status}`);
  return new URL(location, url).toString();
}
