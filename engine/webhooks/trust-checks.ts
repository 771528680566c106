import { BlockList, isIP } from "node:net";
import { ConnectorError } from "../errors.js";
import { templateLookup, type VendorCredentials } from "../manifest/credentials.js";
import type { SharedSecretSignature, UnsignedTrust } from "../manifest/manifest.generated.js";
import { renderTemplateVariants } from "../manifest/template.js";
import type { DeepReadonly } from "../manifest/vendor-definition.js";
import { SecretMatcher } from "./constant-time.js";
import type { HeaderReader } from "./request.js";

/** The vendor sends a secret value (or a bearer token) in a header. */
export class SharedSecretScheme {
  private readonly secrets: readonly string[];
  private readonly matcher: SecretMatcher;

  constructor(
    private readonly vendor: string,
    private readonly spec: DeepReadonly<SharedSecretSignature>,
    credentials: VendorCredentials,
  ) {
    this.secrets = nonEmpty(renderTemplateVariants(spec.secret, templateLookup(credentials)), vendor);
    this.matcher = new SecretMatcher(this.secrets);
  }

  verify(header: HeaderReader): void {
    const sent = header(this.spec.header)?.trim();
    if (!sent) throw new ConnectorError("missing_header", `${this.spec.header} header is missing`, { vendor: this.vendor });
    const prefix = this.spec.prefix ?? "";
    const value = sent.startsWith(prefix) ? sent.slice(prefix.length) : undefined;
    if (value === undefined || !this.matcher.matches(value)) {
      throw new ConnectorError("invalid_signature", `${this.spec.header} is not the shared secret`, { vendor: this.vendor });
    }
  }

  sign(): string {
    return `${this.spec.prefix ?? ""}${this.secrets[0]}`;
  }
}

/** Bounds the decisions kept: a flood from many addresses only clears them. */
const MAX_REMEMBERED_SOURCES = 1024;

/** The vendor signs nothing: trust comes from a header equal to a configured value, or from the source address. */
export class UnsignedScheme {
  private readonly headerValues: readonly string[] | undefined;
  private readonly headerMatcher: SecretMatcher | undefined;
  private readonly allowedSources: BlockList | undefined;
  private readonly bodyRules: readonly { readonly path: readonly string[]; readonly name: string; readonly matcher: SecretMatcher }[];
  /** Decisions by source address: a vendor sends from a handful, and each check is a call into the BlockList. */
  private readonly sourceDecisions = new Map<string, boolean>();

  constructor(
    private readonly vendor: string,
    private readonly spec: DeepReadonly<UnsignedTrust>,
    credentials: VendorCredentials,
  ) {
    const lookup = templateLookup(credentials);
    const header = spec.trust.header;
    this.headerValues = header ? nonEmpty(renderTemplateVariants(header.equals, lookup), vendor) : undefined;
    this.headerMatcher = this.headerValues && new SecretMatcher(this.headerValues);
    const sourceIp = spec.trust.sourceIp;
    this.allowedSources = sourceIp ? blockListOf(renderTemplateVariants(sourceIp.allow, lookup), vendor) : undefined;
    this.bodyRules = (spec.trust.bodyFields ?? []).map((rule) => ({
      path: rule.path.split("."),
      name: rule.path,
      matcher: new SecretMatcher(nonEmpty(renderTemplateVariants(rule.equals, lookup), vendor)),
    }));
  }

  /**
   * The body-field rules, on the parsed body (Strava: subscription_id equals ours). A number in the body is compared as
   * its decimal text; an object, a list or a missing field never matches.
   */
  verifyBody(body: unknown): void {
    for (const rule of this.bodyRules) {
      let value: unknown = body;
      for (const key of rule.path) value = value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      const text = typeof value === "string" ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : typeof value === "boolean" ? String(value) : undefined;
      if (text === undefined || !rule.matcher.matches(text)) {
        throw new ConnectorError("untrusted_source", `the body's ${rule.name} is missing or not ours`, { vendor: this.vendor });
      }
    }
  }

  verify(header: HeaderReader, sourceIp: string | undefined): void {
    const trustHeader = this.spec.trust.header;
    if (trustHeader && this.headerMatcher) {
      const sent = header(trustHeader.name)?.trim();
      if (!sent || !this.headerMatcher.matches(sent)) {
        throw new ConnectorError("untrusted_source", `${trustHeader.name} is missing or not ours`, { vendor: this.vendor });
      }
    }
    if (this.allowedSources && !this.allowedSource(this.allowedSources, sourceIp)) {
      throw new ConnectorError("untrusted_source", "the request does not come from an allowed address", { vendor: this.vendor });
    }
  }

  private allowedSource(allowedSources: BlockList, sourceIp: string | undefined): boolean {
    if (sourceIp === undefined) return false;
    let allowed = this.sourceDecisions.get(sourceIp);
    if (allowed === undefined) {
      const address = normaliseAddress(sourceIp);
      const family = address ? isIP(address) : 0;
      allowed = !!address && family !== 0 && allowedSources.check(address, family === 6 ? "ipv6" : "ipv4");
      if (this.sourceDecisions.size >= MAX_REMEMBERED_SOURCES) this.sourceDecisions.clear();
      this.sourceDecisions.set(sourceIp, allowed);
    }
    return allowed;
  }

  /** Headers a vendor would send (for the CLI and tests). */
  sign(): Record<string, string> {
    const trustHeader = this.spec.trust.header;
    return trustHeader && this.headerValues?.[0] ? { [trustHeader.name]: this.headerValues[0] } : {};
  }
}

function nonEmpty(values: string[], vendor: string): string[] {
  if (values.length === 0 || values.some((value) => value.trim() === "")) {
    throw new ConnectorError("missing_setting", "a webhook trust value is empty", { vendor });
  }
  return values;
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4), as Node reports IPv4 peers on a dual-stack socket, is checked as IPv4. */
function normaliseAddress(address: string | undefined): string | undefined {
  const trimmed = address?.trim();
  if (!trimmed) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1] : trimmed;
}

function blockListOf(entries: readonly string[], vendor: string): BlockList {
  const list = new BlockList();
  for (const entry of entries.flatMap((value) => value.split(",")).map((value) => value.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split("/");
    const family = address ? isIP(address) : 0;
    if (!address || family === 0) {
      throw new ConnectorError("missing_setting", `"${entry}" is not an IP address or CIDR block`, { vendor });
    }
    const type = family === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}
