import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { CompliancePolicyError } from '../compliance/errors.ts';
import type { CompliancePolicy, Weekday } from '../compliance/policy.ts';
import { WEEKDAYS, resolvePolicy } from '../compliance/policy.ts';
import { CampaignValidationError } from '../errors.ts';
import { CampaignSchema } from './schema.ts';
import type { CampaignConfig, CampaignInput } from './schema.ts';
import { compileTemplate } from './template.ts';
import type { CompiledTemplate } from './template.ts';

/** A validated campaign, with its template compiled and its lead list read. */
export interface Campaign {
  readonly config: CampaignConfig;
  readonly id: string;
  readonly template: CompiledTemplate;
  /** Customer ids of `leads.list`, or null when the campaign has no list. */
  readonly list: ReadonlySet<string> | null;
  /** Schedule as minutes since local midnight, and ISO weekdays (1 = Monday) it runs on. */
  readonly scheduleSpan: { readonly startMinute: number; readonly endMinute: number; readonly weekdays: ReadonlySet<number> };
  /** Compiled compliance policy for a lead region (cached per region). */
  policyFor(region: string | null): CompliancePolicy;
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(campaign)'}: ${i.message}`);
}

/**
 * Validates a campaign object (already parsed from YAML/JSON).
 * @param baseDir directory that `leads.list.file` is relative to.
 * @throws CampaignValidationError listing every problem with its field path.
 */
export function parseCampaign(input: unknown, opts: { source?: string; baseDir?: string } = {}): Campaign {
  const where = opts.source ? `${opts.source}: ` : '';
  const parsed = CampaignSchema.safeParse(input);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    throw new CampaignValidationError(`${where}invalid campaign — fix these fields: ${issues.join('; ')}`, issues, { cause: parsed.error });
  }
  const config = parsed.data;
  const policies = new Map<string, CompliancePolicy>();
  const policyFor = (region: string | null): CompliancePolicy => {
    const key = (region ?? '').trim().toUpperCase();
    let p = policies.get(key);
    if (!p) {
      p = resolvePolicy({ region: key, objective: config.objective, campaignId: config.id, overrides: config.compliance ?? {} });
      policies.set(key, p);
    }
    return p;
  };
  // Compliance overrides are checked now, not at the first dial of the day.
  try {
    policyFor(null);
  } catch (e) {
    if (!(e instanceof CompliancePolicyError)) throw e;
    // Compliance issues read `path: message`; put them under the campaign's `compliance` field.
    const issues = e.issues.length
      ? e.issues.map((i) => (i.startsWith('(policy)') ? `compliance${i.slice('(policy)'.length)}` : `compliance.${i}`))
      : [`compliance: ${e.message}`];
    throw new CampaignValidationError(`${where}invalid campaign — fix these fields: ${issues.join('; ')}`, issues, { cause: e });
  }

  let list: Set<string> | null = null;
  const l = config.leads.list;
  if (Array.isArray(l)) list = new Set(l);
  else if (l) {
    const path = resolve(opts.baseDir ?? process.cwd(), l.file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      const issue = `leads.list.file: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`;
      throw new CampaignValidationError(`${where}invalid campaign — fix these fields: ${issue}`, [issue], { cause });
    }
    list = new Set(
      text
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s !== '' && !s.startsWith('#')),
    );
  }
  const s = config.schedule;
  const mins = (x: string) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3, 5));
  return {
    config,
    id: config.id,
    template: compileTemplate(config.script.template),
    list,
    scheduleSpan: {
      startMinute: mins(s.start),
      endMinute: mins(s.end),
      weekdays: new Set(s.days.map((d: Weekday) => WEEKDAYS.indexOf(d) + 1)),
    },
    policyFor,
  };
}

/** Parses YAML or JSON text (by `format`, else by trying JSON first) into a campaign. */
export function parseCampaignText(text: string, opts: { source?: string; baseDir?: string; format?: 'yaml' | 'json' } = {}): Campaign {
  const where = opts.source ?? 'campaign';
  let data: unknown;
  if (opts.format === 'json' || (opts.format === undefined && text.trimStart().startsWith('{'))) {
    try {
      data = JSON.parse(text);
    } catch (cause) {
      const issue = `(file): not valid JSON: ${(cause as Error).message}`;
      throw new CampaignValidationError(`${where}: ${issue}`, [issue], { cause });
    }
  } else {
    try {
      data = YAML.parse(text, { prettyErrors: true, uniqueKeys: true });
    } catch (cause) {
      const issue = `(file): not valid YAML: ${(cause as Error).message.split('\n')[0]}`;
      throw new CampaignValidationError(`${where}: ${issue}`, [issue], { cause });
    }
  }
  return parseCampaign(data, opts);
}

/** Reads a campaign file (`.yaml`, `.yml` or `.json`). @throws CampaignValidationError */
export function loadCampaign(path: string): Campaign {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CampaignValidationError(`cannot read campaign file ${path}: ${(cause as Error).message}`, [], { cause });
  }
  const ext = extname(path).toLowerCase();
  const format = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : undefined;
  return parseCampaignText(text, { source: path, baseDir: dirname(resolve(path)), ...(format ? { format } : {}) });
}

/** A campaign from a typed object (tests, the simulation loop). */
export function defineCampaign(input: CampaignInput, opts: { baseDir?: string } = {}): Campaign {
  return parseCampaign(input, opts);
}
