/**
 * Independent checks of the generated exports: a strict one-line CSV parser and, per file, the
 * set of defects a line shows. A clean line must show none; a dirty line exactly its own kind.
 * Written from the file formats (mapping files, README of the exports), not from the generator.
 */
import { isValidPhoneNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Mapping } from '../../contracts/index.ts';
import { localToUtcMs, type World } from '../../simulation/index.ts';

/** RFC 4180 fields of one physical line, or null when the quoting is malformed. */
export function parseCsvLine(line: string, delim: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= line.length) return null; // unterminated
        const ch = line[i] as string;
        if (ch === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += ch;
        i++;
      }
      if (i < line.length && line[i] !== delim) return null; // text after the closing quote
      out.push(v);
    } else {
      const end = line.indexOf(delim, i);
      const v = end < 0 ? line.slice(i) : line.slice(i, end);
      if (v.includes('"')) return null; // a quote inside an unquoted field
      out.push(v);
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return out;
    i++; // delimiter
  }
}

/** "DD/MM/YYYY[ HH:MM:SS]" → wall clock as UTC ms, or null when not a real date/time. */
export function parseDmy(s: string, withTime: boolean): number | null {
  const m = withTime ? /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(s) : /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  if (!m) return null;
  const [d, mo, y, h = 0, mi = 0, se = 0] = m.slice(1).map(Number) as number[];
  const t = Date.UTC(y as number, (mo as number) - 1, d, h, mi, se);
  const back = new Date(t);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== (mo as number) - 1 || back.getUTCFullYear() !== y || (h as number) > 23) return null;
  return t;
}

/** "YYYY-MM-DDTHH:MM:SSZ" → ms, or null. */
export function parseIsoZ(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s)) return null;
  const t = Date.parse(s);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 19) + 'Z' !== s) return null;
  return t;
}

export interface Context {
  world: World;
  now: number;
  byId: Map<string, number>;
}

export function contextFor(world: World): Context {
  const byId = new Map<string, number>();
  for (let i = 0; i < world.size; i++) byId.set(world.customerId(i), i);
  return { world, now: Date.now(), byId };
}

/** Defects of one customers.csv data line; `seen` holds the keys of earlier lines. */
export function customerDefects(line: string, mapping: Mapping, ctx: Context, seen: Map<string, string>): Set<string> {
  const d = new Set<string>();
  const f = parseCsvLine(line, ';');
  if (!f) return d.add('broken_quoting');
  if (f.length !== 16) return d.add(`field_count_${f.length}`);
  const [id, name, mobile, tz, region, age, sex, job, income, tenure, balance, consent, dnc, , lang, created] = f as string[];
  if (id === '') d.add('missing_required');
  else if (seen.has(id as string)) {
    d.add('duplicate');
    if (seen.get(id as string) !== line) d.add('duplicate_key_but_different_row');
  }
  if (parseDmy(created as string, false) === null) d.add('bad_timestamp');
  if (!isValidPhoneNumber(mobile as string, mapping.defaultRegion as CountryCode)) d.add('invalid_phone');
  // value checks every line must pass (no other kind of dirt exists in this file)
  if (!name || !tz || !region || !lang) d.add('empty_field');
  if (!(Number(age) >= 18 && Number(age) <= 100)) d.add('bad_age');
  if (!(Number(tenure) >= 0) || !(Number(balance) >= 0)) d.add('bad_number');
  for (const [field, v] of [['gender', sex], ['occupation', job], ['income_band', income], ['consent', consent], ['dnc', dnc]] as const) {
    if (!((v as string) in (mapping.values[field] ?? {}))) d.add(`unknown_${field}`);
  }
  if (d.size === 0) {
    // a clean row: its number is the customer's true number, wherever it is parsed
    const i = ctx.byId.get(id as string);
    if (i === undefined) d.add('unknown_customer');
    else {
      const country = ctx.world.regionOf(i).country as CountryCode;
      if (parsePhoneNumberFromString(mobile as string, mapping.defaultRegion as CountryCode)?.number !== ctx.world.phoneE164(i)) d.add('phone_mismatch');
      if (parsePhoneNumberFromString(mobile as string, country)?.number !== ctx.world.phoneE164(i)) d.add('phone_mismatch_home_country');
      if (tz !== ctx.world.timezone(i)) d.add('tz_mismatch');
    }
  }
  if (id !== '' && !seen.has(id as string)) seen.set(id as string, line);
  return d;
}

/** Defects of one call_log.csv data line. */
export function callDefects(line: string, mapping: Mapping, ctx: Context, seen: Map<string, string>): Set<string> {
  const d = new Set<string>();
  const f = parseCsvLine(line, ',');
  if (!f) return d.add('broken_quoting');
  if (f.length !== 13) return d.add(`field_count_${f.length}`);
  const [callId, campaign, custId, number, start, result, ring, talk, sale, value, optOut, handler, transferred] = f as string[];
  if (seen.has(callId as string)) {
    d.add('duplicate');
    if (seen.get(callId as string) !== line) d.add('duplicate_key_but_different_row');
  } else seen.set(callId as string, line);
  if (custId === '' || start === '' || result === '') d.add('missing_required');
  const local = start === '' ? null : parseDmy(start as string, true);
  if (start !== '' && local === null) d.add('bad_timestamp');
  const codes = mapping.values.disposition ?? {};
  if (result !== '' && !((result as string) in codes)) d.add('unknown_code');
  if (Number(ring) < 0 || Number(talk) < 0) d.add('negative_duration');
  const i = ctx.byId.get(custId as string);
  if (custId !== '' && i === undefined) d.add('unknown_customer');
  if (local !== null && i !== undefined) {
    const utc = localToUtcMs(ctx.world.timezone(i), local);
    if (utc > ctx.now) d.add('future_timestamp');
    else if (utc < ctx.world.startMs || utc >= ctx.world.endMs) d.add('outside_window');
  }
  if (!campaign || !/^\d+$/.test(callId as string) || !(Number.isInteger(Number(ring)) && Number.isInteger(Number(talk)))) d.add('bad_field');
  if (!['Y', 'N'].includes(sale as string) || !['Y', 'N'].includes(optOut as string) || !['Y', 'N'].includes(transferred as string)) d.add('bad_flag');
  // outcome fields must agree with the result (only judged when the result is readable)
  const answered = result === 'ANS';
  const known = (result as string) in codes;
  if ((sale === 'Y') !== (value !== '') || (known && sale === 'Y' && !answered) || (value !== '' && !(Number(value) > 0))) d.add('inconsistent_sale');
  if ((known && (handler !== '') !== answered) || (handler !== '' && !((handler as string) in (mapping.values.handled_by ?? {})))) d.add('inconsistent_handler');
  if (i !== undefined && number !== ctx.world.phoneE164(i)) d.add('number_mismatch');
  return d;
}

/** Defects of one events.csv data line. */
export function eventDefects(line: string, mapping: Mapping, ctx: Context, seen: Set<string>): Set<string> {
  const d = new Set<string>();
  const f = parseCsvLine(line, ',');
  if (!f) return d.add('broken_quoting');
  if (f.length !== 4) return d.add(`field_count_${f.length}`);
  const [cust, ts, type, amount] = f as string[];
  if (seen.has(line)) d.add('duplicate');
  seen.add(line);
  if (cust === '' || ts === '' || type === '') d.add('missing_required');
  const t = ts === '' ? null : parseIsoZ(ts as string);
  if (ts !== '' && t === null) d.add('bad_timestamp');
  if (t !== null && t > ctx.now) d.add('future_timestamp');
  else if (t !== null && (t < ctx.world.eventOriginMs || t >= ctx.world.endMs)) d.add('outside_window');
  if (type !== '' && !((type as string) in (mapping.values.type ?? {}))) d.add('unknown_type');
  if (cust !== '' && !ctx.byId.has(cust as string)) d.add('unknown_customer');
  if (type === 'WEB' ? amount !== '' : type !== '' && !(Number(amount) > 0)) d.add('bad_amount');
  return d;
}
