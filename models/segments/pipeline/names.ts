/**
 * Readable segment names from stand-out features: "Retired · morning answerers · high balance".
 *
 * Each input feature whose segment mean is at least QUALIFY standard deviations from the
 * population's gives a phrase (a small table: feature → phrase when high / when low). A name
 * takes the strongest phrase about who the customers are, about when they answer and about
 * their value, fills up to three parts with the next strongest, and lists them in that order.
 * Names are unique across a run: when two collide, the later one gets a distinguishing part.
 */
import { HOUR_OF_WEEK_BLOCKS, hourOfWeekFeature } from '../../../features/index.ts';
import type { SegmentColumn } from './columns.ts';

/** |z| a feature needs to stand out enough to be named. */
export const QUALIFY = 0.5;
/** Parts of a name at most (a collision may replace the last one, never add a fourth). */
export const MAX_PARTS = 3;
export const NAME_SEPARATOR = ' · ';
const FACETS = ['who', 'when', 'value'] as const;
type Facet = (typeof FACETS)[number];

interface Rule {
  facet: Facet;
  high: string | null;
  low: string | null;
}
const rule = (facet: Facet, high: string | null, low: string | null): Rule => ({ facet, high, low });

/** Feature → phrase when the segment is high / low on it. Unlisted features get "high x" / "low x". */
export const PHRASES: Readonly<Record<string, Rule>> = {
  age_band: rule('who', 'older', 'younger'),
  tenure_months: rule('who', 'long-standing customers', 'new customers'),
  consent: rule('who', 'consented', 'without consent'),
  opted_out: rule('who', 'opted out', null),
  income_band: rule('value', 'high income', 'low income'),
  balance: rule('value', 'high balance', 'low balance'),
  answer_rate_smoothed: rule('when', 'easy to reach', 'hard to reach'),
  tilt_morning: rule('when', 'morning answerers', null),
  tilt_afternoon: rule('when', 'afternoon answerers', null),
  tilt_evening: rule('when', 'evening answerers', null),
  tilt_weekend: rule('when', 'weekend answerers', null),
  attempts_7d: rule('when', 'called a lot lately', 'rarely called lately'),
  attempts_30d: rule('when', 'called a lot lately', 'rarely called lately'),
  attempts_90d: rule('when', 'often called', 'rarely called'),
  attempts_total: rule('when', 'often called', 'rarely called'),
  answered_7d: rule('when', 'reached lately', null),
  answered_30d: rule('when', 'reached lately', null),
  answered_90d: rule('when', 'often reached', 'rarely reached'),
  answered_total: rule('when', 'often reached', 'rarely reached'),
  days_since_last_attempt: rule('when', 'long uncalled', 'recently called'),
  days_since_last_answer: rule('when', 'long unreached', 'recently reached'),
  consecutive_unanswered: rule('when', 'not answering lately', null),
  rfm_recency_days: rule('value', 'lapsed', 'recently active'),
  rfm_r_score: rule('value', 'recently active', 'lapsed'),
  rfm_frequency: rule('value', 'frequent buyers', 'infrequent buyers'),
  rfm_f_score: rule('value', 'frequent buyers', 'infrequent buyers'),
  rfm_monetary: rule('value', 'big spenders', 'small spenders'),
  rfm_m_score: rule('value', 'big spenders', 'small spenders'),
  conversions_total: rule('value', 'past converters', null),
  conversion_value_total: rule('value', 'high past value', null),
  days_since_last_conversion: rule('value', 'long since converting', 'recent converters'),
};

/** How occupations read in a name (unknown ones: underscores become spaces). */
export const OCCUPATION_PHRASES: Readonly<Record<string, string>> = {
  office_worker: 'office workers',
  shift_worker: 'shift workers',
  self_employed: 'self-employed',
  retired: 'retired',
  student: 'students',
  homemaker: 'homemakers',
  unemployed: 'unemployed',
};

const DAY_SHORT = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
/** Single hour-of-week blocks (when used as inputs): "answer Mon 08–12". */
const BLOCK_PHRASES: ReadonlyMap<string, Rule> = new Map(
  Array.from({ length: HOUR_OF_WEEK_BLOCKS }, (_, b) => {
    const from = (b % 6) * 4;
    const hh = (h: number) => String(h).padStart(2, '0');
    return [hourOfWeekFeature(b), rule('when', `answer ${DAY_SHORT[Math.floor(b / 6)]} ${hh(from)}–${hh(from + 4)}`, null)];
  }),
);

const humanise = (s: string) => s.replace(/_/g, ' ');

/** What naming needs to know about one segment. */
export interface NamingInput {
  segmentId: number;
  /** z of each model column (segment mean vs population, in population standard deviations). */
  z: Readonly<Record<string, number>>;
  /** Share of each category of each categorical input in the segment. */
  categoryShares: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

interface Part {
  phrase: string;
  facet: Facet;
  strength: number;
  /** Phrases this one already says (a merged daypart part covers its two dayparts). */
  covers?: string[];
}

/** Daypart phrases in the order a merged phrase lists them ("morning and afternoon answerers"). */
const DAYPART_ORDER = ['tilt_morning', 'tilt_afternoon', 'tilt_evening', 'tilt_weekend'];

/** Every phrase a segment could be called by, strongest first (all strengths, not only qualifying). */
export function candidateParts(columns: readonly SegmentColumn[], seg: NamingInput): Part[] {
  const parts: Part[] = [];
  const sources = [...new Set(columns.map((c) => c.source))];
  for (const source of sources) {
    const own = columns.filter((c) => c.source === source);
    const first = own[0]!;
    if (first.encoding === 'onehot') {
      // the category the segment is most over-represented in, if it is most of the segment
      let best: { c: SegmentColumn; z: number } | undefined;
      for (const c of own) {
        const z = seg.z[c.name] ?? 0;
        if (z > 0 && (best === undefined || z > best.z)) best = { c, z };
      }
      const share = best ? (seg.categoryShares[source]?.[best.c.category!] ?? 0) : 0;
      if (best && share >= 0.5) parts.push({ phrase: categoryPhrase(source, best.c.category!), facet: 'who', strength: best.z });
      continue;
    }
    const z = seg.z[first.name] ?? 0;
    if (!Number.isFinite(z) || z === 0) continue;
    const r = ruleFor(source);
    let phrase = z > 0 ? r.high : r.low;
    if (first.encoding === 'ordinal' && source === 'age_band') phrase = ageBandPhrase(seg.categoryShares.age_band) ?? phrase;
    if (phrase !== null) parts.push({ phrase, facet: r.facet, strength: Math.abs(z) });
  }
  // two stand-out dayparts read better as one part: "morning and afternoon answerers"
  const dayparts = DAYPART_ORDER.map((source) => ({ source, part: parts.find((p) => p.phrase === PHRASES[source]?.high) }))
    .filter((x): x is { source: string; part: Part } => x.part !== undefined && x.part.strength >= QUALIFY)
    .sort((a, b) => b.part.strength - a.part.strength)
    .slice(0, 2)
    .sort((a, b) => DAYPART_ORDER.indexOf(a.source) - DAYPART_ORDER.indexOf(b.source));
  const [a, b] = dayparts;
  if (a && b) {
    parts.push({
      phrase: `${a.part.phrase.replace(/ answerers$/, '')} and ${b.part.phrase}`,
      facet: 'when',
      strength: Math.max(a.part.strength, b.part.strength) + 1e-9,
      covers: [a.part.phrase, b.part.phrase],
    });
  }
  parts.sort((a, b) => b.strength - a.strength || a.phrase.localeCompare(b.phrase));
  // one phrase once (two rules may say the same thing, e.g. recency days and R score)
  return parts.filter((p, i) => parts.findIndex((q) => q.phrase === p.phrase) === i);
}

function ruleFor(source: string): Rule {
  return PHRASES[source] ?? BLOCK_PHRASES.get(source) ?? rule('who', `high ${humanise(source)}`, `low ${humanise(source)}`);
}

function categoryPhrase(source: string, category: string): string {
  if (source === 'occupation') return OCCUPATION_PHRASES[category] ?? humanise(category);
  if (source === 'region') return `in ${category}`;
  return `${humanise(source)} ${humanise(category)}`;
}

/** "aged 65+" when most of the segment is in one band (the ordinal z only says older/younger). */
function ageBandPhrase(shares: Readonly<Record<string, number>> | undefined): string | null {
  if (!shares) return null;
  let best: [string, number] | undefined;
  for (const [band, share] of Object.entries(shares)) if (best === undefined || share > best[1]) best = [band, share];
  if (!best || best[1] < 0.6 || best[0] === '(missing)') return null;
  return best[0].startsWith('<') ? `aged under ${best[0].slice(1)}` : `aged ${best[0]}`;
}

/** The parts of one name: the best per facet, then the strongest others, in facet order. */
function baseParts(candidates: readonly Part[]): Part[] {
  const qualifying = candidates.filter((p) => p.strength >= QUALIFY);
  const chosen: Part[] = [];
  for (const facet of FACETS) {
    const best = qualifying.find((p) => p.facet === facet);
    if (best) chosen.push(best);
  }
  for (const p of qualifying) {
    if (chosen.length >= MAX_PARTS) break;
    if (!chosen.includes(p) && !saysAgain(chosen, p)) chosen.push(p);
  }
  return orderParts(chosen.slice(0, MAX_PARTS));
}

/** Whether `p` repeats what the chosen parts say (a daypart inside a merged one, or the reverse). */
const saysAgain = (chosen: readonly Part[], p: Part) =>
  chosen.some((c) => c.covers?.includes(p.phrase) || p.covers?.includes(c.phrase) || c.phrase === p.phrase);

const orderParts = (parts: Part[]) =>
  [...parts].sort((a, b) => FACETS.indexOf(a.facet) - FACETS.indexOf(b.facet) || b.strength - a.strength);

function render(parts: readonly Part[]): string {
  const text = parts.length > 0 ? parts.map((p) => p.phrase).join(NAME_SEPARATOR) : 'typical customers';
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Names for every segment of a run (segment id → name), unique. `segments` should come
 * largest first: on a collision the larger segment keeps its name.
 */
export function nameSegments(columns: readonly SegmentColumn[], segments: readonly NamingInput[]): Map<number, string> {
  const candidates = new Map(segments.map((s) => [s.segmentId, candidateParts(columns, s)]));
  const parts = new Map(segments.map((s) => [s.segmentId, baseParts(candidates.get(s.segmentId)!)]));
  const names = () => new Map(segments.map((s) => [s.segmentId, render(parts.get(s.segmentId)!)]));

  for (let round = 0; round < 4; round++) {
    const current = names();
    const byName = new Map<string, number[]>();
    for (const s of segments) byName.set(current.get(s.segmentId)!, [...(byName.get(current.get(s.segmentId)!) ?? []), s.segmentId]);
    const collisions = [...byName.values()].filter((ids) => ids.length > 1);
    if (collisions.length === 0) return current;
    for (const ids of collisions) {
      const keeper = new Set(parts.get(ids[0]!)!.map((p) => p.phrase));
      for (const id of ids.slice(1)) {
        const own = parts.get(id)!;
        const taken = new Set([...keeper, ...own.map((p) => p.phrase)]);
        const extra = candidates.get(id)!.find((p) => !taken.has(p.phrase) && !saysAgain(own, p));
        if (!extra) continue;
        const next = own.length < MAX_PARTS ? [...own, extra] : [...own.slice(0, MAX_PARTS - 1), extra];
        parts.set(id, orderParts(next));
      }
    }
  }
  // still colliding (segments that differ on nothing nameable): the id tells them apart
  const final = names();
  const counts = new Map<string, number>();
  for (const name of final.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  const seen = new Set<string>();
  for (const s of segments) {
    const name = final.get(s.segmentId)!;
    if ((counts.get(name) ?? 0) > 1) {
      if (seen.has(name)) final.set(s.segmentId, `${name}${NAME_SEPARATOR}segment ${s.segmentId}`);
      seen.add(name);
    }
  }
  return final;
}
