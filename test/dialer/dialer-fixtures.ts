import { HOURS_PER_WEEK } from '../../contracts/published-run.ts';
import { LeadTable, emptyColumns } from '../../dialer/index.ts';

/** One lead of a hand-made table: sensible defaults, override what the test is about. */
export interface LeadSpec {
  id: string;
  timezone?: string;
  country?: string | null;
  phoneHash?: string | null;
  consent?: boolean;
  dnc?: boolean;
  blockedReason?: string | null;
  name?: string | null;
  variables?: Record<string, unknown>;
  segmentId?: number;
  segmentName?: string | null;
  pConvert?: number;
  /** p_answer: one value for every hour, or a function of the local hour-of-week. */
  pAnswer?: number | ((how: number) => number);
}

export function leadTable(specs: readonly LeadSpec[]): LeadTable {
  const n = specs.length;
  const c = emptyColumns(n);
  specs.forEach((s, i) => {
    c.customerId[i] = s.id;
    c.phoneE164[i] = `+4420${String(7946000 + i)}`;
    c.phoneHash[i] = s.phoneHash === undefined ? `hash-${s.id}` : s.phoneHash;
    c.timezone[i] = s.timezone ?? 'Europe/London';
    c.country[i] = s.country === undefined ? null : s.country;
    c.name[i] = s.name === undefined ? `Name ${s.id}` : s.name;
    c.consent[i] = s.consent === false ? 0 : 1;
    c.dnc[i] = s.dnc ? 1 : 0;
    c.blockedReason[i] = s.blockedReason ?? null;
    c.variables[i] = JSON.stringify(s.variables ?? {});
    c.segmentId[i] = s.segmentId ?? -1;
    c.segmentName[i] = s.segmentName ?? null;
    c.pConvert[i] = s.pConvert ?? 0.1;
    const pa = s.pAnswer ?? 0.3;
    for (let h = 0; h < HOURS_PER_WEEK; h++) c.pAnswer[h * n + i] = typeof pa === 'number' ? pa : pa(h);
    c.expectedValue[i] = c.pConvert[i]! * 0.3;
  });
  return new LeadTable(c, { runId: 'test-run', asOf: null, modelVersions: { conversion: 'c1', contact: 'a1' } });
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
