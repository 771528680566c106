import type { VendorManifest } from "./manifest.generated.js";
import { compileExpression } from "./expressions.js";
import { placeholdersOf } from "./template.js";
import { checkSubscriptions, checkSync } from "./sync-checks.js";

/** A finding below the schema's reach: bad JSONata, unknown placeholders, inconsistent fields. */
export interface SemanticFinding {
  readonly path: (string | number)[];
  readonly message: string;
  readonly severity: "error" | "warning";
}

type Path = (string | number)[];

const CREDENTIALS = ["clientId", "clientSecret", "settings.*"];
const REQUEST = ["body", "timestamp", "id", "headers.*"];
const API_CALL = ["userId", "vendorUserId", "clientId", "settings.*"];
const EVENT = ["userId", "resourceId", "type", "occurredAt", "data.*", "clientId", "settings.*"];

export function checkManifest(manifest: VendorManifest): SemanticFinding[] {
  const findings: SemanticFinding[] = [];
  const declaredSettings = new Set(Object.keys(manifest.settings ?? {}));

  const expression = (source: string | undefined, path: Path) => {
    if (source === undefined) return;
    try {
      compileExpression(source);
    } catch (error) {
      const detail = error as { message?: string; position?: number };
      const at = detail.position === undefined ? "" : ` at character ${detail.position}`;
      findings.push({ path, severity: "error", message: `invalid JSONata expression${at}: ${detail.message ?? String(error)}` });
    }
  };

  const template = (source: string | undefined, path: Path, allowed: readonly string[]) => {
    if (source === undefined) return;
    let placeholders: string[];
    try {
      placeholders = placeholdersOf(source);
    } catch (error) {
      findings.push({ path, severity: "error", message: `invalid template: ${(error as Error).message}` });
      return;
    }
    for (const name of placeholders) {
      const allowedHere = allowed.some((pattern) =>
        pattern.endsWith(".*") ? name.startsWith(pattern.slice(0, -1)) && name.length > pattern.length - 1 : name === pattern,
      );
      if (!allowedHere) {
        findings.push({ path, severity: "error", message: `{${name}} cannot be used here (allowed: ${allowed.map((a) => `{${a}}`).join(", ")})` });
      } else if (name.startsWith("settings.") && !declaredSettings.has(name.slice("settings.".length))) {
        findings.push({ path, severity: "error", message: `{${name}} refers to a setting that "settings" does not declare` });
      }
    }
  };

  const templatesInObject = (value: unknown, path: Path, allowed: readonly string[]) => {
    if (typeof value === "string") template(value, path, allowed);
    else if (Array.isArray(value)) value.forEach((item, i) => templatesInObject(item, [...path, i], allowed));
    else if (value && typeof value === "object")
      for (const [key, inner] of Object.entries(value)) templatesInObject(inner, [...path, key], allowed);
  };

  const apiCall = (call: NonNullable<VendorManifest["oauth"]>["afterAuthorization"] extends (infer C)[] | undefined ? C : never, path: Path) => {
    template(call.path, [...path, "path"], API_CALL);
    templatesInObject(call.query, [...path, "query"], API_CALL);
    templatesInObject(call.json, [...path, "json"], API_CALL);
  };

  // Each part is checked on its own: when validate runs this on a manifest the schema refused, a part of the
  // wrong shape stops only its own checks.
  const { oauth, api, webhooks } = manifest;
  guarded(() => {
    if (!oauth) return;
    expression(oauth.tokenResponse?.path, ["oauth", "tokenResponse", "path"]);
    expression(oauth.tokenResponse?.success, ["oauth", "tokenResponse", "success"]);
    if (oauth.userId.from === "tokenResponse") expression(oauth.userId.field, ["oauth", "userId", "field"]);
    if (oauth.userId.from === "profile") {
      expression(oauth.userId.field, ["oauth", "userId", "field"]);
      apiCall(oauth.userId.request, ["oauth", "userId", "request"]);
    }
    oauth.afterAuthorization?.forEach((call, i) => apiCall(call, ["oauth", "afterAuthorization", i]));
    template(oauth.revoke?.path, ["oauth", "revoke", "path"], API_CALL);
  });

  guarded(() => {
    templatesInObject(api.headers, ["api", "headers"], ["clientId", "settings.*"]);
  });
  const bySetting = api.baseUrlBySetting;
  if (bySetting && !declaredSettings.has(bySetting.setting)) {
    findings.push({ path: ["api", "baseUrlBySetting", "setting"], severity: "error", message: `setting "${bySetting.setting}" is not declared in "settings"` });
  }

  // sync and subscriptions
  const tools = { expression, template, templatesInObject, apiCallPlaceholders: API_CALL };
  if (manifest.sync) guarded(() => findings.push(...checkSync(manifest.sync!, tools)));
  if (manifest.subscriptions) guarded(() => findings.push(...checkSubscriptions(manifest.subscriptions!, declaredSettings, tools)));
  if (!webhooks && manifest.sync?.webhookSilence) {
    findings.push({ path: ["sync", "webhookSilence"], severity: "error", message: "webhookSilence falls back from webhooks, and this vendor declares none" });
  }
  if (!webhooks && !manifest.sync) {
    findings.push({ path: [], severity: "error", message: "a vendor needs webhooks or sync streams: without either no data can arrive" });
  }

  if (webhooks) {
    const signature = webhooks.signature;
    guarded(() => {
      const signaturePath = ["webhooks", "signature"];
      if (signature.scheme === "hmac" || signature.scheme === "asymmetric") {
        if (signature.scheme === "hmac") template(signature.key, [...signaturePath, "key"], CREDENTIALS);
        else {
          template(signature.publicKey, [...signaturePath, "publicKey"], CREDENTIALS);
          template(signature.jwks?.url, [...signaturePath, "jwks", "url"], CREDENTIALS);
          if (signature.keyId?.field && !signature.fields) {
            findings.push({ path: [...signaturePath, "keyId", "field"], severity: "error", message: "keyId.field reads a field of the signature header, which needs signature.fields" });
          }
          if (signature.algorithm === "ecdsa-p256-sha256" && webhooks.replay && safePlaceholders(webhooks.replay.key).includes("signature")) {
            findings.push({ path: ["webhooks", "replay", "key"], severity: "warning", message: "ECDSA signatures are malleable (one message has several valid signatures): key replays on {id} or {body}, not {signature}" });
          }
        }
        template(signature.signedContent, [...signaturePath, "signedContent"], REQUEST);
        const signed = safePlaceholders(signature.signedContent);
        if (!signed.includes("body")) {
          findings.push({ path: [...signaturePath, "signedContent"], severity: "error", message: "signedContent must include {body}: a signature that does not cover the body protects nothing" });
        }
        if (signed.includes("timestamp") && !signature.timestamp) {
          findings.push({ path: [...signaturePath, "signedContent"], severity: "error", message: "{timestamp} is signed but signature.timestamp does not say which header carries it" });
        }
        if (signature.timestamp && !signed.includes("timestamp")) {
          findings.push({ path: [...signaturePath, "timestamp"], severity: "warning", message: "the timestamp is checked but not signed: anyone can resend an old delivery with a fresh timestamp; put {timestamp} in signedContent if the vendor signs it" });
        }
        if (signed.includes("id") && !signature.id) {
          findings.push({ path: [...signaturePath, "signedContent"], severity: "error", message: "{id} is signed but signature.id does not say which header carries it" });
        }
        const timestampHeader = signature.timestamp?.header;
        if (timestampHeader && timestampHeader.toLowerCase() === signature.header.toLowerCase()) {
          findings.push({
            path: [...signaturePath, "timestamp", "header"],
            severity: "error",
            message: `the timestamp header is the signature header (${signature.header}): if the timestamp is a field inside it (t=...,v1=...), declare signature.fields and timestamp.field instead`,
          });
        }
        if (signature.timestamp?.field && !signature.fields) {
          findings.push({ path: [...signaturePath, "timestamp", "field"], severity: "error", message: "timestamp.field reads a field of the signature header, which needs signature.fields" });
        }
        if (signature.fields && signature.separator) {
          findings.push({ path: [...signaturePath, "separator"], severity: "warning", message: "separator is ignored with fields: every field named fields.signature is a candidate" });
        }
      } else if (signature.scheme === "shared-secret") {
        template(signature.secret, [...signaturePath, "secret"], CREDENTIALS);
      } else {
        template(signature.trust.header?.equals, [...signaturePath, "trust", "header", "equals"], CREDENTIALS);
        template(signature.trust.sourceIp?.allow, [...signaturePath, "trust", "sourceIp", "allow"], CREDENTIALS);
        signature.trust.bodyFields?.forEach((rule, i) => template(rule.equals, [...signaturePath, "trust", "bodyFields", i, "equals"], CREDENTIALS));
      }
    });
    guarded(() => {
      if (webhooks.replay) {
        template(webhooks.replay.key, ["webhooks", "replay", "key"], [...REQUEST, "signature"]);
        const usesId = safePlaceholders(webhooks.replay.key).includes("id");
        if (usesId && !((signature.scheme === "hmac" || signature.scheme === "asymmetric") && signature.id)) {
          findings.push({ path: ["webhooks", "replay", "key"], severity: "error", message: "{id} needs signature.id to name the header carrying it" });
        }
      }
    });

    guarded(() => {
      webhooks.handshakes?.forEach((handshake, i) => {
        const path = ["webhooks", "handshakes", i];
        if (!handshake.when && handshake.method === "POST") {
          findings.push({ path: [...path, "when"], severity: "error", message: "a POST handshake needs `when`: without it every delivery would be taken for a handshake" });
        }
        template(handshake.verify?.equals, [...path, "verify", "equals"], CREDENTIALS);
        templatesInObject(handshake.respond.json, [...path, "respond", "json"], ["query.*", "headers.*"]);
        template(handshake.respond.text, [...path, "respond", "text"], ["query.*", "headers.*"]);
      });
    });

    guarded(() => {
      const events = webhooks.events;
      expression(events.split, ["webhooks", "events", "split"]);
      expression(events.discriminator, ["webhooks", "events", "discriminator"]);
      const takenBy = new Map<string, number>();
      events.mappings.forEach((mapping, i) => {
        const path: Path = ["webhooks", "events", "mappings", i];
        expression(mapping.match, [...path, "match"]);
        expression(mapping.map, [...path, "map"]);
        if (events.userHeader && mapping.fetch && [mapping.fetch.path, mapping.fetch.url, ...Object.values(mapping.fetch.query ?? {})].some((t) => t !== undefined && safePlaceholders(t).includes("userId"))) {
          findings.push({ path: [...path, "fetch"], severity: "error", message: "{userId} is not known while mapping when events.userHeader names the user" });
        }
        if (!manifest.oauth && mapping.delivery === "fetch") {
          findings.push({ path: [...path, "delivery"], severity: "error", message: "a vendor without oauth has no user token to fetch with: use delivery: push" });
        }
        if (mapping.on && !events.discriminator) {
          findings.push({ path: [...path, "on"], severity: "error", message: "`on` needs webhooks.events.discriminator to say which field names the event" });
        }
        for (const value of mapping.on ?? []) {
          const earlier = takenBy.get(value);
          if (earlier !== undefined) {
            findings.push({ path: [...path, "on"], severity: "error", message: `"${value}" is already taken by mapping ${earlier}` });
          } else takenBy.set(value, i);
        }
        if (mapping.fetch) {
          template(mapping.fetch.path, [...path, "fetch", "path"], EVENT);
          template(mapping.fetch.url, [...path, "fetch", "url"], EVENT);
          templatesInObject(mapping.fetch.query, [...path, "fetch", "query"], EVENT);
          if (mapping.delivery === "push") {
            findings.push({ path: [...path, "fetch"], severity: "warning", message: "fetch is ignored for delivery: push" });
          }
        }
      });
    });
  }

  guarded(() => {
    const eventTypes = new Set(webhooks?.events.mappings.map((mapping) => mapping.type) ?? []);
    manifest.records?.forEach((mapping, i) => {
      const path: Path = ["records", i];
      expression(mapping.map, [...path, "map"]);
      if (!mapping.events && !mapping.streams) {
        findings.push({ path, severity: "error", message: "a records mapping needs `events` or `streams` to say which data it takes" });
      }
      mapping.events?.forEach((type, j) => {
        if (!eventTypes.has(type)) findings.push({ path: [...path, "events", j], severity: "error", message: `no webhooks mapping gives events of type "${type}"` });
      });
    });
  });

  return findings;
}

function guarded(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}

function safePlaceholders(template: string): string[] {
  try {
    return placeholdersOf(template);
  } catch {
    return [];
  }
}
