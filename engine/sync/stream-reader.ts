import type { KyInstance } from "ky";
import { ConnectorError } from "../errors.js";
import { evaluateExpression } from "../manifest/expressions.js";
import type { Stream } from "../manifest/manifest.generated.js";
import { renderTemplate, type TemplateLookup } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import { nextLink } from "./link-header.js";
import { parseRecordTime } from "./time-format.js";

export interface WindowReadContext {
  readonly vendor: string;
  readonly stream: DeepReadonly<Stream>;
  /** Bound to the vendor's API base URL: rate limits, bearer token, refresh on 401. */
  readonly client: KyInstance;
  /** Template values: credentials, {userId}, {vendorUserId}, {window.start}, {window.end}. */
  readonly lookup: TemplateLookup;
  /** Hosts a Link header's next URL may point at (a vendor response must not send the user's token elsewhere). */
  readonly allowedHosts: ReadonlySet<string>;
  /** The API base URL the client is bound to: relative links resolve against it, and its scheme is the only one allowed. */
  readonly baseUrl: string;
  readonly signal?: AbortSignal;
  /** The window read (epoch ms, from inclusive, to exclusive): a newest-first stream keeps only its records and stops past its start. */
  readonly window?: { readonly from: number; readonly to: number };
}

/** One page: its records (already selected) and the raw response status. */
export interface Page {
  readonly records: readonly unknown[];
  readonly status: number;
}

/**
 * Reads one window of a pull stream page by page, as the manifest declares: the request template, then the next page
 * by token, page number, offset or Link header, until the vendor says there is no more (or maxPages, an error).
 */
export async function* readWindowPages(context: WindowReadContext): AsyncGenerator<Page> {
  const { stream, vendor } = context;
  const request = stream.request;
  const pagination = stream.pagination;
  const maxPages = stream.maxPages ?? 1000;
  const path = renderTemplate(request.path, context.lookup).replace(/^\/+/, "");
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.form ?? request.query ?? {})) params[name] = renderTemplate(value, context.lookup);
  const query: Record<string, string> = {};
  if (request.form) for (const [name, value] of Object.entries(request.query ?? {})) query[name] = renderTemplate(value, context.lookup);

  if (pagination?.type === "page") params[pagination.param] = String(pagination.startAt ?? 1);
  if (pagination?.type === "offset") params[pagination.param] = "0";
  if ((pagination?.type === "page" || pagination?.type === "offset") && pagination.sizeParam) params[pagination.sizeParam] = String(pagination.size);

  let linkUrl: string | undefined;
  let previousToken: string | undefined;
  /** Where the next page is, from this page; false when this was the last. Mutates params / linkUrl. */
  const advance = async (records: readonly unknown[], body: unknown, response: Response): Promise<boolean> => {
    if (!pagination) return false;
    switch (pagination.type) {
      case "token": {
        const next = await evaluateExpression(pagination.next, body);
        if (next === undefined || next === null || next === "" || next === false) return false;
        const token = String(next);
        if (token === previousToken) throw new ConnectorError("vendor_api_error", `${vendor}: stream ${stream.name} repeated its next-page token`, { vendor });
        previousToken = token;
        params[pagination.param] = token;
        return true;
      }
      case "page":
        if (pagination.lastPage === "empty" ? records.length === 0 : records.length < pagination.size) return false;
        params[pagination.param] = String(Number(params[pagination.param]) + 1);
        return true;
      case "offset":
        if (records.length < pagination.size) return false;
        params[pagination.param] = String(Number(params[pagination.param]) + records.length);
        return true;
      case "link": {
        const next = nextLink(response.headers.get("link"));
        if (!next) return false;
        linkUrl = allowedNextUrl(context, next, linkUrl);
        return true;
      }
    }
  };
  // The next page is asked for before this one is handed over, so the vendor's answer travels while the caller
  // delivers this page's records (a window's pages are otherwise strictly one after the other).
  const requestPage = () => {
    const sent = send(context, path, params, query, linkUrl);
    sent.catch(() => undefined); // awaited below; a page never awaited (the caller stopped) must not be an unhandled rejection
    return sent;
  };
  let pending: Promise<Response> | undefined = requestPage();
  try {
    for (let page = 1; ; page++) {
      const response: Response = await pending!;
      pending = undefined;
      const body = await readBody(response);
      await checkResponse(context, response.status, body);
      const selected = await selectRecords(stream, body);
      const { records, pastStart } = await withinWindow(context, selected);
      // A problem with the next page (a repeated token, a foreign link, too many pages) fails the window only after
      // this page's records are delivered, as they are valid.
      let failure: ConnectorError | undefined;
      let more = false;
      try {
        // The page count is judged on every record the vendor sent, not on the ones kept.
        more = !pastStart && (await advance(selected, body, response));
      } catch (error) {
        if (!(error instanceof ConnectorError)) throw error;
        failure = error;
      }
      if (more && page + 1 > maxPages) {
        more = false;
        failure = new ConnectorError("vendor_api_error", `${vendor}: stream ${stream.name} went past maxPages (${maxPages}) in one window`, { vendor });
      }
      if (more) pending = requestPage();
      yield { records, status: response.status };
      if (failure) throw failure;
      if (!more) return;
    }
  } finally {
    // The caller stopped early (a sink failure): the page asked for ahead is not read.
    if (pending) void pending.then((response) => response.body?.cancel()).catch(() => undefined);
  }
}

async function send(context: WindowReadContext, path: string, params: Record<string, string>, query: Record<string, string>, linkUrl: string | undefined): Promise<Response> {
  const { request } = context.stream;
  const common = { method: request.method, throwHttpErrors: false, ...(context.signal ? { signal: context.signal } : {}) } as const;
  // The next URL of a Link header carries its own query; the client is bound to the base URL, so an empty prefix.
  if (linkUrl) return context.client(linkUrl, { ...common, prefixUrl: "" });
  if (request.form) return context.client(path, { ...common, searchParams: query, body: new URLSearchParams(params) });
  return context.client(path, { ...common, searchParams: params });
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Status outside acceptStatus (default 2xx), or a 2xx whose `success` expression is not true (Withings' status). */
async function checkResponse(context: WindowReadContext, status: number, body: unknown): Promise<void> {
  const { request, name } = context.stream;
  const accepted = request.acceptStatus ? request.acceptStatus.includes(status) : status >= 200 && status < 300;
  if (!accepted) {
    throw new ConnectorError("vendor_api_error", `${context.vendor}: stream ${name} answered ${status}`, { vendor: context.vendor, details: { status, stream: name } });
  }
  if (request.success !== undefined && status >= 200 && status < 300 && (await evaluateExpression(request.success, body)) !== true) {
    throw new ConnectorError("vendor_api_error", `${context.vendor}: stream ${name} answered ${status} with an error in its body`, {
      vendor: context.vendor,
      details: { status, stream: name, envelope: true },
    });
  }
}

async function selectRecords(stream: DeepReadonly<Stream>, body: unknown): Promise<unknown[]> {
  if (!stream.records || body === undefined) return [];
  const selected = await evaluateExpression(stream.records, body);
  if (selected === undefined || selected === null) return [];
  return Array.isArray(selected) ? selected : [selected];
}

/**
 * A newest-first stream (no time filter on the vendor's side): only the records inside the window, and whether this
 * page reached past the window's start, so no later page can hold a record of the window. A record without a
 * readable time is kept (it cannot be placed, and de-duplication keeps a repeat from being delivered twice).
 */
async function withinWindow(context: WindowReadContext, records: unknown[]): Promise<{ records: unknown[]; pastStart: boolean }> {
  const { stream, window } = context;
  if (!stream.newestFirst || !stream.cursor || !window) return { records, pastStart: false };
  const kept: unknown[] = [];
  let pastStart = false;
  for (const record of records) {
    const time = parseRecordTime(await evaluateExpression(stream.cursor, record));
    if (time !== undefined && time < window.from) pastStart = true;
    if (time === undefined || (time >= window.from && time < window.to)) kept.push(record);
  }
  return { records: kept, pastStart };
}

function allowedNextUrl(context: WindowReadContext, next: string, current: string | undefined): string {
  let url: URL;
  try {
    url = new URL(next, current ?? `${context.baseUrl.replace(/\/$/, "")}/`);
  } catch {
    throw new ConnectorError("fetch_not_allowed", `${context.vendor}: the next-page link is not a URL`, { vendor: context.vendor });
  }
  if (url.protocol !== new URL(context.baseUrl).protocol) {
    throw new ConnectorError("fetch_not_allowed", `${context.vendor}: the next-page link changes the scheme`, { vendor: context.vendor });
  }
  if (!context.allowedHosts.has(url.host) || url.username || url.password) {
    throw new ConnectorError("fetch_not_allowed", `${context.vendor}: next-page link host ${url.host} is not an allowed API host`, { vendor: context.vendor });
  }
  if (url.href === current) throw new ConnectorError("vendor_api_error", `${context.vendor}: the next-page link points at the same page`, { vendor: context.vendor });
  return url.href;
}
