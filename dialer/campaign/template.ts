import { MissingTemplateVariableError, TemplateSyntaxError } from '../errors.ts';

/**
 * Script templates: literal text with `{{variable}}` placeholders (spaces inside the braces are
 * allowed: `{{ amount }}`). Names are letters, digits, `_` and `.`, starting with a letter or `_`.
 * There is no escaping and no default syntax on purpose: a script that would read "Hello ," to a
 * customer must fail, so rendering throws on a missing (undefined, null or empty) variable.
 */
export interface CompiledTemplate {
  readonly source: string;
  /** Distinct variable names, in order of first use. */
  readonly variables: readonly string[];
  /** Alternating literal and variable parts: literals at even indices. */
  readonly parts: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** @throws TemplateSyntaxError on an unclosed `{{`, a stray `}}` or a bad variable name. */
export function compileTemplate(source: string): CompiledTemplate {
  const parts: string[] = [];
  const variables: string[] = [];
  let i = 0;
  let literal = '';
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    const strayClose = source.indexOf('}}', i);
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      throw new TemplateSyntaxError(`template: '}}' at offset ${strayClose} has no opening '{{' (${excerpt(source, strayClose)})`);
    }
    if (open === -1) {
      literal += source.slice(i);
      break;
    }
    const close = source.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateSyntaxError(`template: '{{' at offset ${open} is never closed with '}}' (${excerpt(source, open)})`);
    const name = source.slice(open + 2, close).trim();
    if (!NAME.test(name)) {
      throw new TemplateSyntaxError(
        `template: '{{${source.slice(open + 2, close)}}}' at offset ${open} is not a variable name (use letters, digits, _ and ., e.g. {{customer_name}})`,
      );
    }
    literal += source.slice(i, open);
    parts.push(literal, name);
    literal = '';
    if (!variables.includes(name)) variables.push(name);
    i = close + 2;
  }
  parts.push(literal);
  return { source, variables, parts };
}

function excerpt(s: string, at: number): string {
  return JSON.stringify(s.slice(Math.max(0, at - 15), at + 20));
}

/** A variable's value, or undefined when it is absent, null or an empty string. */
function lookup(vars: Readonly<Record<string, unknown>>, name: string): unknown {
  let v: unknown = vars[name];
  if (v === undefined && name.includes('.')) {
    v = vars;
    for (const key of name.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v === null || v === '' ? undefined : v;
}

/** Names the template uses that `vars` does not provide. */
export function missingVariables(t: CompiledTemplate, vars: Readonly<Record<string, unknown>>): string[] {
  return t.variables.filter((name) => lookup(vars, name) === undefined);
}

/**
 * Fills the template. Numbers and booleans are written with `String`; objects and arrays are
 * refused (a script should not read out JSON).
 * @throws MissingTemplateVariableError naming the first missing variable (and the customer, if given).
 */
export function renderTemplate(t: CompiledTemplate, vars: Readonly<Record<string, unknown>>, customerId: string | null = null): string {
  let out = t.parts[0]!;
  for (let k = 1; k < t.parts.length; k += 2) {
    const name = t.parts[k]!;
    const v = lookup(vars, name);
    if (v === undefined) {
      const who = customerId === null ? '' : ` for customer ${customerId}`;
      throw new MissingTemplateVariableError(
        name,
        customerId,
        `script variable {{${name}}} is missing${who}: add '${name}' to the lead's variables in leads.parquet or to the campaign's script.defaults`,
      );
    }
    if (typeof v === 'object') {
      throw new MissingTemplateVariableError(name, customerId, `script variable {{${name}}} is an object, not text${customerId ? ` for customer ${customerId}` : ''}`);
    }
    out += String(v) + t.parts[k + 1]!;
  }
  return out;
}
