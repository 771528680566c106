import { ConnectorError } from "../errors.js";

/**
 * Manifest templates: `{name}` and `{dotted.path}` placeholders, nothing else (no code, no escapes to worry about).
 * `{{` and `}}` stand for literal braces.
 */
export type TemplateValue = string | number | boolean | readonly string[] | undefined;
export type TemplateLookup = (name: string) => TemplateValue;

type Part = { literal: string } | { placeholder: string };

const parsedTemplates = new Map<string, readonly Part[]>();

export function parseTemplate(template: string): readonly Part[] {
  const cached = parsedTemplates.get(template);
  if (cached) return cached;
  const parts: Part[] = [];
  let literal = "";
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if ((char === "{" || char === "}") && template[i + 1] === char) {
      literal += char;
      i++;
    } else if (char === "{") {
      const end = template.indexOf("}", i);
      if (end < 0) throw new SyntaxError(`unclosed placeholder in template "${template}"`);
      const name = template.slice(i + 1, end).trim();
      if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(name)) throw new SyntaxError(`bad placeholder {${name}}`);
      if (literal) parts.push({ literal });
      literal = "";
      parts.push({ placeholder: name });
      i = end;
    } else if (char === "}") {
      throw new SyntaxError(`unmatched } in template "${template}"`);
    } else {
      literal += char;
    }
  }
  if (literal) parts.push({ literal });
  parsedTemplates.set(template, parts);
  return parts;
}

export function placeholdersOf(template: string): string[] {
  return parseTemplate(template).flatMap((part) => ("placeholder" in part ? [part.placeholder] : []));
}

/**
 * Renders every combination when a placeholder has several values (a list setting during key rotation gives
 * one candidate per key). A missing value is an error naming the placeholder, never its value.
 */
export function renderTemplateVariants(template: string, lookup: TemplateLookup): string[] {
  let variants = [""];
  for (const part of parseTemplate(template)) {
    if ("literal" in part) {
      variants = variants.map((prefix) => prefix + part.literal);
      continue;
    }
    const value = lookup(part.placeholder);
    if (value === undefined) {
      throw new ConnectorError("missing_setting", `template needs {${part.placeholder}}, which has no value`);
    }
    const values = Array.isArray(value) ? value : [String(value)];
    variants = variants.flatMap((prefix) => values.map((v) => prefix + v));
  }
  return variants;
}

export function renderTemplate(template: string, lookup: TemplateLookup): string {
  // One pass without the variant arrays: it allocates only the result.
  let rendered = "";
  for (const part of parseTemplate(template)) {
    rendered += "literal" in part ? part.literal : placeholderText(part.placeholder, lookup(part.placeholder));
  }
  return rendered;
}

/** A placeholder's value as text: a missing value or a list of other than one value is an error naming it, never its value. */
export function placeholderText(name: string, value: TemplateValue): string {
  if (value === undefined) throw new ConnectorError("missing_setting", `template needs {${name}}, which has no value`);
  if (!Array.isArray(value)) return String(value);
  if (value.length !== 1) throw new ConnectorError("missing_setting", `template {${name}} must give exactly one value`);
  return value[0]!;
}
