import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DialwiseError } from '../../contracts/errors.ts';
import {
  CampaignValidationError,
  MissingTemplateVariableError,
  TemplateSyntaxError,
  compileTemplate,
  defineCampaign,
  filterLeads,
  loadCampaign,
  parseCampaign,
  parseCampaignText,
  renderTemplate,
  scheduleOpen,
} from '../../dialer/index.ts';
import type { CampaignInput } from '../../dialer/index.ts';
import { leadTable } from './dialer-fixtures.ts';

const VALID: CampaignInput = {
  id: 'spring-upgrade',
  objective: 'sales',
  script: { template: 'Hello {{customer_name}}, your balance is {{amount}}.' },
  schedule: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '20:00' },
  mode: { type: 'agent', agents: 20 },
  valuePerConversion: 120,
};

function issuesOf(input: unknown): string[] {
  try {
    parseCampaign(input);
  } catch (e) {
    expect(e).toBeInstanceOf(CampaignValidationError);
    expect(e).toBeInstanceOf(DialwiseError);
    return [...(e as CampaignValidationError).issues];
  }
  throw new Error('expected the campaign to be refused');
}

const dir = mkdtempSync(join(tmpdir(), 'dialwise-campaign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('campaign validation', () => {
  it('accepts a minimal campaign and fills the defaults', () => {
    const c = defineCampaign(VALID);
    expect(c.id).toBe('spring-upgrade');
    expect(c.config.exploration).toBe(0.1);
    expect(c.config.retry.maxAttempts).toBe(3);
    expect(c.config.mode).toMatchObject({ type: 'agent', agents: 20, maxDialLevel: 3, maxAbandonRate: 0.03 });
    expect(c.template.variables).toEqual(['customer_name', 'amount']);
  });

  it('names every bad field in its errors', () => {
    const issues = issuesOf({
      ...VALID,
      objective: 'spam',
      exploration: 1.5,
      schedule: { days: ['mon'], start: '25:00', end: '20:00' },
      mode: { type: 'robot', lines: 0 },
      valuePerConversion: undefined,
      colour: 'blue',
    });
    const joined = issues.join('\n');
    for (const field of ['objective', 'exploration', 'schedule.start', 'mode.lines', 'valuePerConversion']) {
      expect(issues.some((i) => i.startsWith(`${field}:`)), `no issue names ${field}:\n${joined}`).toBe(true);
    }
    expect(joined).toMatch(/colour/);
  });

  it('rejects a schedule that ends before it starts, naming schedule.end', () => {
    expect(issuesOf({ ...VALID, schedule: { days: ['mon'], start: '18:00', end: '09:00' } })).toEqual([
      'schedule.end: start must be before end',
    ]);
  });

  it('rejects agent pacing beyond the 3.0 dial level or a 3 % abandon ceiling', () => {
    const issues = issuesOf({ ...VALID, mode: { type: 'agent', agents: 5, maxDialLevel: 4, maxAbandonRate: 0.05 } });
    expect(issues.some((i) => i.startsWith('mode.maxDialLevel:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('mode.maxAbandonRate:'))).toBe(true);
  });

  it('rejects a template that does not compile, naming script.template', () => {
    const issues = issuesOf({ ...VALID, script: { template: 'Hello {{customer_name' } });
    expect(issues[0]).toMatch(/^script\.template: .*never closed/);
  });

  it('rejects compliance overrides the compliance engine refuses (sales must honour DNC)', () => {
    const issues = issuesOf({ ...VALID, compliance: { dnc: { list: false } } });
    expect(issues).toEqual(['compliance.dnc: sales calls always honour DNC and household DNC']);
    const typo = issuesOf({ ...VALID, compliance: { attempts: { perDya: 2 } } });
    expect(typo.some((i) => i.startsWith('compliance.attempts:') && /perDya/.test(i))).toBe(true);
  });

  it('loads YAML and JSON files, and reports the file and line of a YAML syntax error', () => {
    const yamlPath = join(dir, 'c.yaml');
    writeFileSync(
      yamlPath,
      [
        'id: collections-june',
        'objective: collections',
        'leads: { segments: [1, "at risk"], minScore: 0.05, list: { file: ids.txt } }',
        'script:',
        '  template: "Hi {{first_name}}, {{amount}} is due"',
        'schedule: { days: [mon, sat], start: "10:00", end: "18:30", timezone: Europe/London }',
        'mode: { type: robot, lines: 30 }',
        'exploration: 0.05',
        'valuePerConversion: 40',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'ids.txt'), 'c1\n# comment\nc2\n\n');
    const c = loadCampaign(yamlPath);
    expect(c.config.objective).toBe('collections');
    expect([...c.list!]).toEqual(['c1', 'c2']);
    expect(c.scheduleSpan).toMatchObject({ startMinute: 600, endMinute: 1110 });

    const jsonPath = join(dir, 'c.json');
    writeFileSync(jsonPath, JSON.stringify(VALID));
    expect(loadCampaign(jsonPath).id).toBe('spring-upgrade');

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'id: x\nmode: [robot,\n  lines: 3\n');
    expect(() => loadCampaign(bad)).toThrow(/bad\.yaml: \(file\): not valid YAML.*line/);
    expect(() => parseCampaignText('{"id": ', { source: 'inline' })).toThrow(/inline: \(file\): not valid JSON/);
  });

  it('reports an unreadable lead list file against leads.list.file', () => {
    const issues = issuesOf({ ...VALID, leads: { list: { file: join(dir, 'nope.txt') } } });
    expect(issues[0]).toMatch(/^leads\.list\.file: cannot read/);
  });
});

describe('script templates', () => {
  const t = compileTemplate('Hello {{ customer_name }}, you owe {{amount}} on {{account.number}}.');

  it('renders variables, with spaces inside braces and dotted paths', () => {
    expect(renderTemplate(t, { customer_name: 'Ada', amount: 12.5, account: { number: 'X-1' } })).toBe('Hello Ada, you owe 12.5 on X-1.');
  });

  it('fails loudly on a missing, null or empty variable, naming it and the customer', () => {
    const render = (vars: Record<string, unknown>) => () => renderTemplate(t, vars, 'cust-9');
    expect(render({ customer_name: 'Ada', account: { number: 1 } })).toThrow(MissingTemplateVariableError);
    expect(render({ customer_name: 'Ada', account: { number: 1 } })).toThrow(/\{\{amount\}\} is missing for customer cust-9/);
    expect(render({ customer_name: null, amount: 1, account: { number: 1 } })).toThrow(/customer_name/);
    expect(render({ customer_name: '', amount: 1, account: { number: 1 } })).toThrow(/customer_name/);
    expect(render({ customer_name: 'A', amount: 1 })).toThrow(/account\.number/);
    try {
      renderTemplate(t, { customer_name: 'Ada' }, 'cust-9');
    } catch (e) {
      expect((e as MissingTemplateVariableError).variable).toBe('amount');
      expect((e as MissingTemplateVariableError).customerId).toBe('cust-9');
    }
  });

  it('refuses broken syntax at compile time', () => {
    expect(() => compileTemplate('Hi {{name')).toThrow(TemplateSyntaxError);
    expect(() => compileTemplate('Hi name}}')).toThrow(/no opening/);
    expect(() => compileTemplate('Hi {{first name}}')).toThrow(/not a variable name/);
    expect(compileTemplate('No variables at all').variables).toEqual([]);
  });
});

describe('campaign lead filter and schedule', () => {
  it('keeps leads by segment id or name, score threshold and list', () => {
    const leads = leadTable([
      { id: 'c1', segmentId: 1, pConvert: 0.2 },
      { id: 'c2', segmentId: 2, segmentName: 'at risk', pConvert: 0.2 },
      { id: 'c3', segmentId: 1, pConvert: 0.01 },
      { id: 'c4', segmentId: 3, pConvert: 0.5 },
      { id: 'c5', segmentId: 1, pConvert: 0.05 },
    ]);
    const c = defineCampaign({ ...VALID, leads: { segments: [1, 'at risk'], minScore: 0.05, list: ['c1', 'c2', 'c3', 'c5'] } });
    expect([...filterLeads(leads, c)].map((i) => leads.customerId(i))).toEqual(['c1', 'c2', 'c5']);
  });

  it("reads the schedule on the callee's clock, or on a fixed zone", () => {
    const callee = defineCampaign(VALID); // weekdays 09:00–20:00 callee time
    const t = Date.parse('2024-06-11T12:00:00Z'); // Tue: 13:00 London, 08:00 New York, 22:00 Sydney
    expect(scheduleOpen(callee, 'Europe/London', t)).toBe(true);
    expect(scheduleOpen(callee, 'America/New_York', t)).toBe(false);
    expect(scheduleOpen(callee, 'Australia/Sydney', t)).toBe(false);
    const centre = defineCampaign({ ...VALID, schedule: { ...VALID.schedule, timezone: 'Europe/London' } });
    expect(scheduleOpen(centre, 'America/New_York', t)).toBe(true);
    expect(scheduleOpen(centre, 'Australia/Sydney', Date.parse('2024-06-15T12:00:00Z'))).toBe(false); // Saturday
  });
});
