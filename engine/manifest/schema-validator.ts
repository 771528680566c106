import type { ErrorObject } from "ajv";
import schema from "../../schema/vendor-manifest.schema.json" with { type: "json" };
import * as generated from "./manifest-validator.generated.js";
import type { VendorManifest } from "./manifest.generated.js";

export { schema as manifestSchema };

/** ajv's validate function as its standalone code exports it: errors on the function after a failed call. */
export interface ManifestValidator {
  (manifest: unknown): manifest is VendorManifest;
  errors?: ErrorObject[] | null;
}

/**
 * The schema's validator, compiled by ajv when `npm run generate:types` runs (standalone code, with the options in
 * scripts/generate-manifest-types.mjs): defaults declared in the schema are filled in while validating.
 */
export function manifestValidator(): ManifestValidator {
  return (generated as unknown as { validate: ManifestValidator }).validate;
}

export interface SchemaViolation {
  readonly pointer: string;
  /** Set when the violation is about one key (an unknown field). */
  readonly key?: string;
  readonly message: string;
}

export function validateAgainstSchema(manifest: unknown): SchemaViolation[] {
  const validate = manifestValidator();
  if (validate(manifest)) return [];
  return simplify(validate.errors ?? []);
}

/**
 * ajv reports every failed branch of a oneOf and every if/then; keep what a person can act on.
 * When a more specific error exists below a oneOf, the oneOf summary adds nothing.
 */
function simplify(errors: readonly ErrorObject[]): SchemaViolation[] {
  const specific = errors.filter((error) => !["oneOf", "if", "anyOf"].includes(error.keyword));
  const kept = specific.length > 0 ? pickOneOfBranch(specific) : errors;
  const seen = new Set<string>();
  const violations: SchemaViolation[] = [];
  for (const error of kept) {
    const violation = describe(error);
    const id = `${violation.pointer}|${violation.key ?? ""}|${violation.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      violations.push(violation);
    }
  }
  return violations;
}

/**
 * Errors from a oneOf come from every branch. For each instance location keep only the branch that got
 * furthest (the one whose `const` discriminator matched), so `scheme: hmac` with a typo is not also told
 * that it is not a shared-secret scheme.
 */
function pickOneOfBranch(errors: readonly ErrorObject[]): ErrorObject[] {
  const constFailures = new Set(
    errors.filter((e) => e.keyword === "const").map((e) => e.schemaPath.replace(/\/properties\/[^/]+\/const$/, "")),
  );
  if (constFailures.size === 0) return [...errors];
  const filtered = errors.filter((error) => ![...constFailures].some((branch) => error.schemaPath.startsWith(branch + "/")));
  return filtered.length > 0 ? filtered : [...errors];
}

function describe(error: ErrorObject): SchemaViolation {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return { pointer: error.instancePath, key: String(params.additionalProperty), message: `unknown field "${String(params.additionalProperty)}"` };
    case "required":
      return { pointer: error.instancePath, message: `missing required field "${String(params.missingProperty)}"` };
    case "enum":
      return { pointer: error.instancePath, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "const":
      return { pointer: error.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case "propertyNames":
      return { pointer: error.instancePath, key: String(params.propertyName), message: `invalid name "${String(params.propertyName)}"` };
    default:
      return { pointer: error.instancePath, message: error.message ?? error.keyword };
  }
}
