/**
 * An independent compliance checker for tests: the rules written out again, straight from the
 * policy config (HH:MM strings, weekday names, minutes, hours), deliberately simple and slow,
 * sharing no code with the engine — its own Intl formatter (sv-SE strings, compared as text),
 * plain filters over the whole call log, no caches, no day numbers, no bisection.
 */
import type { PolicyConfig } from '../../dialer/index.ts';

export interface LoggedCall {
  at: number;
  disposition: string;
  campaignId: string | null;
  optedOut: boolean;
}

/** What was known about the lead at the instant of the call. */
export interface FactsAtCall {
  timezone: string;
  consent: boolean;
  dnc: boolean;
  household: boolean;
}

const formats = new Map<string, Intl.DateTimeFormat | null>();

/** Local date `YYYY-MM-DD`, time `HH:MM:SS` and weekday name in `zone`, or null for a bad zone. */
export function localClock(t: number, zone: string): { date: string; time: string; weekday: string } | null {
  if (!formats.has(zone)) {
    let f: Intl.DateTimeFormat | null = null;
    try {
      if (zone !== '')
        f = new Intl.DateTimeFormat('sv-SE', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        });
    } catch {
      f = null;
    }
    formats.set(zone, f);
  }
  const f = formats.get(zone);
  if (!f) return null;
  const s = f.format(new Date(t)); // "2024-03-10 08:59:00"
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(s);
  if (!m) throw new Error(`checker: unexpected local time format '${s}'`);
  const weekday = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(`${m[1]}T00:00:00Z`).getUTCDay()]!;
  return { date: m[1]!, time: m[2]!, weekday };
}

/**
 * Every rule a call at `t` would break, given all calls made before it (`before`, any order),
 * opt-outs received outside calls, and the lead's facts at `t`. Empty means the call is legal.
 */
export function violations(
  config: PolicyConfig,
  t: number,
  before: readonly LoggedCall[],
  outOfBandOptOuts: readonly number[],
  facts: FactsAtCall,
): string[] {
  const out: string[] = [];
  const local = localClock(t, facts.timezone);
  if (!local) return [`call to a lead with unknown zone '${facts.timezone}'`];
  const sales = config.objective === 'sales';

  if (before.some((c) => c.optedOut) || outOfBandOptOuts.some((o) => o <= t)) out.push('call after an opt-out');
  if (facts.dnc && (sales || config.dnc.list)) out.push('call to a DNC number');
  if (facts.household && (sales || config.dnc.household)) out.push('call to a household-DNC number');
  if (!facts.consent && (sales || config.consent.required)) out.push(`${config.objective} call without consent`);

  const inCampaign = before.filter((c) => c.campaignId === config.campaignId).length + 1;
  if (config.attempts.perCampaign !== null && inCampaign > config.attempts.perCampaign)
    out.push(`attempt ${inCampaign} in campaign (cap ${config.attempts.perCampaign})`);

  for (const c of before) {
    if (c.disposition === 'abandoned' && t - c.at < config.spacing.abandonedCooldownHours * 3_600_000)
      out.push(`redial ${(t - c.at) / 3_600_000} h after an abandoned call`);
  }

  if (config.holidays.includes(local.date) || config.holidays.includes(local.date.slice(5)))
    out.push(`call on holiday ${local.date}`);
  if (!config.window.days.includes(local.weekday as (typeof config.window.days)[number]))
    out.push(`call on a ${local.weekday}`);
  const ranges = config.window.byDay[local.weekday as keyof typeof config.window.byDay] ?? config.window.hours;
  if (!ranges.some((r) => `${r.start}:00` <= local.time && local.time < `${r.end}:00`))
    out.push(`call at ${local.time} local, outside ${ranges.map((r) => `${r.start}-${r.end}`).join(',') || 'no hours'}`);

  const sameDay = before.filter((c) => localClock(c.at, facts.timezone)!.date === local.date).length + 1;
  if (sameDay > config.attempts.perDay) out.push(`attempt ${sameDay} on local day ${local.date} (cap ${config.attempts.perDay})`);
  const in24h = before.filter((c) => c.at > t - 24 * 3_600_000).length + 1;
  if (in24h > config.attempts.per24h) out.push(`${in24h} attempts in 24 h (cap ${config.attempts.per24h})`);
  for (const r of config.attempts.rolling) {
    const n = before.filter((c) => c.at > t - r.hours * 3_600_000).length + 1;
    if (n > r.max) out.push(`${n} attempts in ${r.hours} h (cap ${r.max})`);
  }

  const ordered = [...before].sort((a, b) => a.at - b.at);
  const prev = ordered[ordered.length - 1];
  if (prev) {
    const gapMinutes = (t - prev.at) / 60_000;
    if (gapMinutes < config.spacing.minGapMinutes) out.push(`gap ${gapMinutes} min < ${config.spacing.minGapMinutes}`);
    let run = 0;
    for (let i = ordered.length - 1; i >= 0 && config.spacing.backoff.on.includes(ordered[i]!.disposition as never); i--) run++;
    if (run > 0) {
      const b = config.spacing.backoff;
      const need = Math.min(b.maxMinutes, b.baseMinutes * b.factor ** (run - 1));
      if (gapMinutes < need) out.push(`gap ${gapMinutes} min after ${run} unanswered < backoff ${need}`);
    }
  }
  return out;
}
