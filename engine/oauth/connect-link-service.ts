import { ConnectorError } from "../errors.js";
import { DEFAULT_CONNECT_LINK_TTL_SECONDS, MAX_CONNECT_LINK_TTL_SECONDS, mintConnectLink, type ConnectLinkKeys } from "./connect-link.js";

export interface ConnectLinkRequest {
  readonly vendor: string;
  /** Our user id, as the app's backend knows it (the signed-in user). */
  readonly userId: string;
  /** Default 600; at most 7 days. Keep it short: whoever holds the link can connect a vendor account to this user. */
  readonly ttlSeconds?: number;
  /** Where the handler is mounted, e.g. `https://connector.example/connector`: the answer then has the full `url`. */
  readonly baseUrl?: string;
}

export interface ConnectLink {
  readonly token: string;
  /** `/oauth/<vendor>/start?link=<token>`, relative to where the fetch handler is mounted. */
  readonly path: string;
  /** `baseUrl` + path, when a baseUrl was given. */
  readonly url?: string;
  readonly expiresAt: number;
  /** The token, so that `?link=${link}` reads naturally. */
  toString(): string;
}

const MAX_USER_ID_LENGTH = 256;

export function createConnectLink(keys: ConnectLinkKeys, request: ConnectLinkRequest, now: number): ConnectLink {
  const { vendor, userId } = request;
  // eslint-disable-next-line no-control-regex
  if (typeof userId !== "string" || userId === "" || userId.length > MAX_USER_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(userId)) {
    throw new ConnectorError("invalid_parameter", `${vendor}: a connect link needs a printable user id of 1 to ${MAX_USER_ID_LENGTH} characters`, { vendor });
  }
  const ttlSeconds = request.ttlSeconds ?? DEFAULT_CONNECT_LINK_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_CONNECT_LINK_TTL_SECONDS) {
    throw new ConnectorError("invalid_parameter", `${vendor}: ttlSeconds must be a whole number from 1 to ${MAX_CONNECT_LINK_TTL_SECONDS}`, { vendor });
  }
  const expiresAt = now + ttlSeconds * 1000;
  const token = mintConnectLink(keys, { vendor, userId, expiresAt });
  const path = `/oauth/${vendor}/start?link=${token}`;
  return {
    token,
    path,
    ...(request.baseUrl ? { url: `${request.baseUrl.replace(/\/+$/, "")}${path}` } : {}),
    expiresAt,
    toString: () => token,
  };
}
