/**
 * The synthetic world: customers (CRM attributes, phone numbers, households) and their ground
 * truth, held in typed arrays so a million customers cost ~100 MB, with pure O(1) truth
 * functions for the history generator, the simulated carrier and the oracle.
 *
 * Everything is a function of the seed and the parameters: `createWorld(params)` twice gives
 * the same world, which is how `loadWorld(dir)` re-creates it.
 */
import type { Disposition, Handler } from '../contracts/index.ts';
import {
  GENDER_LABELS,
  GENDERS,
  GIVEN_NAMES,
  INCOME_BAND_LABELS,
  INCOME_BANDS,
  OCC,
  OCCUPATION_LABELS,
  OCCUPATIONS,
  REGIONS,
  SURNAMES,
  type Gender,
  type IncomeBand,
  type NameCulture,
  type Occupation,
  type RegionDef,
} from './catalog.ts';
import { InvalidWorldParamsError } from './errors.ts';
import { e164, formatMessy, formatVariants, NumberPlan } from './phone.ts';
import { cumulative, hashNormal, Rng, seedWord, sigmoid } from './rng.ts';
import {
  answerFromLogit,
  COEF,
  conversionStaticLogit,
  HOURS_PER_WEEK,
  midAge,
  OCCUPATION_PROFILES,
  shiftWorkerLogit,
  SHIFT_EARLY,
  SHIFT_LATE,
  SHIFT_NIGHT,
  SHIFT_OFF,
  TRUTH_MODEL_VERSION,
} from './truth.ts';
import { hourOfWeekOfLocalMs, MS_PER_DAY, startOfTodayUtc, utcToLocalMs } from './tz.ts';

/** Independent random streams (the `stream` word of `new Rng(seed, stream, index)`). */
export const STREAM = {
  customer: 1,
  events: 2,
  history: 3,
  dirty: 4,
  carrier: 5,
  arrival: 6,
} as const;

const CULTURES: readonly NameCulture[] = ['en', 'de', 'es'];
export const LANGUAGES = ['en', 'de', 'es'] as const;

/** What shapes a world. Everything but `customers` has a default. */
export interface WorldOptions {
  /** Number of customers (≥ 1). */
  customers: number;
  /** Seed of every random draw (safe integer). Default 42. */
  seed?: number;
  /** End of the history window, exclusive (Date, ISO string or epoch ms). Default: start of today, UTC. */
  endDate?: Date | string | number;
  /** Days of call history before `endDate`. Default 90. */
  days?: number;
  /** Share of customers who share a phone number with a household member (same surname). Default 0.02. */
  householdShare?: number;
  /** Share of customers whose number was recycled from another customer (different person). Default 0.01. */
  recycledShare?: number;
  /** Share of other customers whose number is dead or mistyped (always a wrong number). Default 0.01. */
  deadNumberShare?: number;
  /** Days of behaviour events before the call window starts (RFM needs a past). Default 120. */
  eventLookbackDays?: number;
  /**
   * New leads after the history: `perDay` customers join the CRM on each of the `days` days
   * from `endDate` on (created then, no call history, no earlier behaviour), as a running
   * campaign's list refills. They come after the `customers` already there. Default none.
   */
  arrivals?: { perDay: number; days: number };
}

/** Resolved, JSON-serialisable world parameters (stored in truth/world.json). */
export interface WorldParams {
  customers: number;
  seed: number;
  /** ISO-8601 UTC instant: end of history (exclusive). */
  endDate: string;
  /** ISO-8601 UTC instant: start of history (inclusive) = endDate − days. */
  startDate: string;
  days: number;
  householdShare: number;
  recycledShare: number;
  deadNumberShare: number;
  eventLookbackDays: number;
  /** customers who join on each day after `endDate` (absent in files written before arrivals existed: 0) */
  arrivalsPerDay?: number;
  /** days after `endDate` on which customers join */
  arrivalDays?: number;
  truthModelVersion: number;
}

export function resolveWorldParams(o: WorldOptions): WorldParams {
  const customers = o.customers;
  if (!Number.isInteger(customers) || customers < 1 || customers > 50_000_000) {
    throw new InvalidWorldParamsError(`customers must be an integer between 1 and 50,000,000, got ${customers}`);
  }
  const seed = o.seed ?? 42;
  if (!Number.isSafeInteger(seed)) throw new InvalidWorldParamsError(`seed must be a safe integer, got ${seed}`);
  const days = o.days ?? 90;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new InvalidWorldParamsError(`days must be an integer between 1 and 3650, got ${days}`);
  }
  const endMs = o.endDate === undefined ? startOfTodayUtc() : new Date(o.endDate).getTime();
  if (!Number.isFinite(endMs)) throw new InvalidWorldParamsError(`endDate is not a date: ${String(o.endDate)}`);
  const share = (name: string, v: number | undefined, dflt: number): number => {
    const x = v ?? dflt;
    if (!(x >= 0 && x <= 0.5)) throw new InvalidWorldParamsError(`${name} must be between 0 and 0.5, got ${x}`);
    return x;
  };
  const lookback = o.eventLookbackDays ?? 120;
  if (!Number.isInteger(lookback) || lookback < 0 || lookback > 3650) {
    throw new InvalidWorldParamsError(`eventLookbackDays must be an integer between 0 and 3650, got ${lookback}`);
  }
  return {
    customers,
    seed,
    endDate: new Date(endMs).toISOString(),
    startDate: new Date(endMs - days * MS_PER_DAY).toISOString(),
    days,
    householdShare: share('householdShare', o.householdShare, 0.02),
    recycledShare: share('recycledShare', o.recycledShare, 0.01),
    deadNumberShare: share('deadNumberShare', o.deadNumberShare, 0.01),
    eventLookbackDays: lookback,
    ...resolveArrivals(customers, o.arrivals),
    truthModelVersion: TRUTH_MODEL_VERSION,
  };
}

function resolveArrivals(customers: number, a: WorldOptions['arrivals']): Pick<WorldParams, 'arrivalsPerDay' | 'arrivalDays'> {
  if (a === undefined || a.perDay === 0 || a.days === 0) return {};
  if (!Number.isInteger(a.perDay) || a.perDay < 0) throw new InvalidWorldParamsError(`arrivals per day must be a whole number ≥ 0, got ${a.perDay}`);
  if (!Number.isInteger(a.days) || a.days < 0 || a.days > 3650) throw new InvalidWorldParamsError(`arrival days must be an integer between 0 and 3650, got ${a.days}`);
  if (customers + a.perDay * a.days > 50_000_000) {
    throw new InvalidWorldParamsError(`customers plus arrivals must stay within 50,000,000, got ${customers + a.perDay * a.days}`);
  }
  return { arrivalsPerDay: a.perDay, arrivalDays: a.days };
}

/** Why a number is shared with another customer. */
export type SharedNumberKind = 'none' | 'household' | 'recycled';
const SHARE_KINDS: readonly SharedNumberKind[] = ['none', 'household', 'recycled'];

/** One customer as the CRM knows them (canonical names), plus the CRM extras. */
export interface CustomerProfile {
  index: number;
  customer_id: string;
  name: string;
  given_name: string;
  surname: string;
  phone_e164: string;
  /** The number as typed into the CRM (messy spacing, 0/00/+ prefixes). */
  phone_raw: string;
  country: string;
  region: string;
  timezone: string;
  age: number;
  gender: Gender;
  occupation: Occupation;
  income_band: IncomeBand;
  tenure_months: number;
  balance: number;
  consent: boolean;
  dnc: boolean;
  created_at: string;
  email: string | null;
  preferred_language: string;
}

/** One behaviour event (purchase, payment, site visit). */
export interface BehaviourEvent {
  ts: number;
  type: 'purchase' | 'payment' | 'visit';
  value: number | null;
}

/** What the callee's side of the line did with one dial. */
export interface DialResult {
  disposition: Disposition;
  ringSeconds: number;
  talkSeconds: number;
  converted: boolean;
  /** Sale value when converted, else 0. */
  value: number;
  optedOut: boolean;
  handledBy: Handler | null;
  transferred: boolean;
}

/** Recent contact history the truth depends on (fatigue). */
export interface RecentContacts {
  /** Calls the customer answered in the 7 days before this one. */
  answeredLast7Days?: number;
}

export interface DialOptions {
  /** Who takes the call if answered. Default 'agent'. */
  handler?: Handler;
  recent?: RecentContacts;
  /** Median sale value of the campaign. Default 60. */
  medianValue?: number;
  /** Local hour-of-week, if the caller already knows it (saves a zone lookup). */
  localHourOfWeek?: number;
}

export function newDialResult(): DialResult {
  return {
    disposition: 'failed',
    ringSeconds: 0,
    talkSeconds: 0,
    converted: false,
    value: 0,
    optedOut: false,
    handledBy: null,
    transferred: false,
  };
}

const TWO_PI = 2 * Math.PI;

export class World {
  readonly params: WorldParams;
  /** customers on file at the end of the history plus those who join afterwards */
  readonly size: number;
  /** index of the first customer who joins after the history (= size when none do) */
  readonly arrivalsFrom: number;
  private readonly arrivalsPerDay: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Events are generated from here (start of the window minus the look-back). */
  readonly eventOriginMs: number;
  readonly seedW: number;

  // CRM attributes
  readonly region: Uint8Array;
  readonly gender: Uint8Array;
  readonly age: Uint8Array;
  readonly occupation: Uint8Array;
  readonly income: Uint8Array;
  readonly tenureMonths: Uint16Array;
  readonly createdMs: Float64Array;
  readonly balanceCents: Float64Array;
  readonly consent: Uint8Array;
  readonly dnc: Uint8Array;
  readonly culture: Uint8Array;
  readonly givenIdx: Uint8Array;
  readonly surnameIdx: Uint8Array;
  readonly emailPattern: Uint8Array;
  readonly emailDomain: Uint8Array;
  readonly emailNum: Uint8Array;
  readonly language: Uint8Array;
  readonly phoneK: Int32Array;
  readonly phoneVariant: Uint8Array;
  readonly phoneShare: Uint8Array;
  /** Index of the first customer who held this number (self when not shared). */
  readonly phoneOwner: Int32Array;
  // truth
  readonly wrongNumber: Uint8Array;
  readonly answerLevel: Float32Array;
  readonly answerShift: Int8Array;
  readonly rota: Uint16Array;
  readonly voicemailP: Float32Array;
  readonly rejectP: Float32Array;
  readonly talkFactor: Float32Array;
  readonly e0: Float32Array;
  readonly amp: Float32Array;
  readonly periodDays: Float32Array;
  readonly phase: Float32Array;
  readonly slope: Float32Array;
  readonly convStatic: Float32Array;
  readonly optOutLogit: Float32Array;

  private readonly plans: NumberPlan[];
  private byPhone: Map<string, number[]> | null = null;
  private readonly e164Cache: (string | undefined)[];

  constructor(options: WorldOptions | WorldParams) {
    const p = 'truthModelVersion' in options ? options : resolveWorldParams(options);
    if (p.truthModelVersion !== TRUTH_MODEL_VERSION) {
      throw new InvalidWorldParamsError(
        `world was generated with truth model v${p.truthModelVersion}, this code is v${TRUTH_MODEL_VERSION}: regenerate it with \`dialwise generate\``,
      );
    }
    this.params = p;
    this.arrivalsFrom = p.customers;
    this.arrivalsPerDay = p.arrivalsPerDay ?? 0;
    const n = (this.size = p.customers + this.arrivalsPerDay * (p.arrivalDays ?? 0));
    this.endMs = Date.parse(p.endDate);
    this.startMs = Date.parse(p.startDate);
    this.eventOriginMs = this.startMs - p.eventLookbackDays * MS_PER_DAY;
    this.seedW = seedWord(p.seed);

    this.region = new Uint8Array(n);
    this.gender = new Uint8Array(n);
    this.age = new Uint8Array(n);
    this.occupation = new Uint8Array(n);
    this.income = new Uint8Array(n);
    this.tenureMonths = new Uint16Array(n);
    this.createdMs = new Float64Array(n);
    this.balanceCents = new Float64Array(n);
    this.consent = new Uint8Array(n);
    this.dnc = new Uint8Array(n);
    this.culture = new Uint8Array(n);
    this.givenIdx = new Uint8Array(n);
    this.surnameIdx = new Uint8Array(n);
    this.emailPattern = new Uint8Array(n);
    this.emailDomain = new Uint8Array(n);
    this.emailNum = new Uint8Array(n);
    this.language = new Uint8Array(n);
    this.phoneK = new Int32Array(n);
    this.phoneVariant = new Uint8Array(n);
    this.phoneShare = new Uint8Array(n);
    this.phoneOwner = new Int32Array(n);
    this.wrongNumber = new Uint8Array(n);
    this.answerLevel = new Float32Array(n);
    this.answerShift = new Int8Array(n);
    this.rota = new Uint16Array(n);
    this.voicemailP = new Float32Array(n);
    this.rejectP = new Float32Array(n);
    this.talkFactor = new Float32Array(n);
    this.e0 = new Float32Array(n);
    this.amp = new Float32Array(n);
    this.periodDays = new Float32Array(n);
    this.phase = new Float32Array(n);
    this.slope = new Float32Array(n);
    this.convStatic = new Float32Array(n);
    this.optOutLogit = new Float32Array(n);
    this.plans = REGIONS.map((r, ri) => new NumberPlan(r, (this.seedW + ri * 1_000_003) >>> 0));
    this.e164Cache = new Array(n);
    this.build();
  }

  private build(): void {
    const p = this.params;
    const regionCum = cumulative(REGIONS.map((r) => r.weight));
    const langCum = REGIONS.map((r) => cumulative(r.languages.map(([, w]) => w)));
    const cultCum = REGIONS.map((r) => cumulative(r.cultures.map(([, w]) => w)));
    const regionCount = new Int32Array(REGIONS.length);
    // recent unshared customers per region: candidates to share a number with
    const RING = 64;
    const ring = REGIONS.map(() => new Int32Array(RING));
    const ringLen = new Int32Array(REGIONS.length);
    const occByAge = [
      cumulative([0.15, 0.15, 0, 0, 0.6, 0.03, 0.07]), // < 23
      cumulative([0.45, 0.2, 0.08, 0, 0.12, 0.07, 0.08]), // 23–29
      cumulative([0.48, 0.18, 0.14, 0, 0.02, 0.1, 0.08]), // 30–54
      cumulative([0.35, 0.12, 0.14, 0.25, 0, 0.08, 0.06]), // 55–65
      cumulative([0.02, 0, 0.05, 0.88, 0, 0.05, 0]), // 66+
    ];
    const occIncome = [0.3, -0.4, 0.5, -0.2, -1.2, -0.5, -1.2];
    const eg = COEF.engagement;

    for (let i = 0; i < this.size; i++) {
      const rng = new Rng(p.seed, STREAM.customer, i);
      let r = rng.pickCumulative(regionCum);
      // draws below are made unconditionally so one customer's choices never shift another's stream
      const gU = rng.uniform();
      const age = Math.round(Math.max(18, Math.min(92, 46 + 17 * rng.normal())));
      const ageBucket = age < 23 ? 0 : age < 30 ? 1 : age < 55 ? 2 : age <= 65 ? 3 : 4;
      const occ = rng.pickCumulative(occByAge[ageBucket] as Float64Array);
      const incomeScore = (occIncome[occ] as number) + 0.8 * midAge(age) + 0.9 * rng.normal();
      const inc = incomeScore < -1.0 ? 0 : incomeScore < -0.1 ? 1 : incomeScore < 0.7 ? 2 : incomeScore < 1.5 ? 3 : 4;
      const tenureDays = Math.max(1, Math.min(7300, (age - 18) * 365 + 200, Math.floor(rng.exponential(1 / 1300))));
      const createdSecond = rng.int(86_400);
      // a customer who joins after the history is new: created on their arrival day, tenure 0
      const arrival = i >= this.arrivalsFrom;
      const createdMs = arrival ? this.arrivalMs(i) : this.endMs - tenureDays * MS_PER_DAY - createdSecond * 1000;
      const tenure = arrival ? 0 : Math.floor(tenureDays / 30.4375);
      const balZero = rng.uniform() < 0.06;
      const balLog = Math.log(500 * (1 + 0.7 * inc)) + 0.25 * Math.log(1 + tenureDays / 365) + 0.9 * rng.normal();
      const balance = balZero ? 0 : Math.min(250_000_00, Math.round(Math.exp(balLog) * 100));
      const consent = rng.uniform() < 0.92 ? 1 : 0;
      const dnc = rng.uniform() < 0.03 ? 1 : 0;
      const shareU = rng.uniform();
      const shareJ = rng.uniform();
      const wrongU = rng.uniform();
      const cultU = rng.uniform();
      const givenU = rng.uniform();
      const surU = rng.uniform();
      const emailU = rng.uniform();
      const emailD = rng.uniform();
      const emailN = rng.int(90) + 10;
      const langU = rng.uniform();
      const variantU = rng.uniform();

      // shared numbers: household (same surname) or recycled (someone else), same region
      let share = 0;
      let j = -1;
      // each shared number joins two customers, so a share s of customers sharing means
      // s/2 of them joining an earlier customer's number
      if (shareU < (p.householdShare + p.recycledShare) / 2) {
        // choose a region that has a candidate, preferring the drawn one
        if ((ringLen[r] as number) === 0) {
          for (let t = 0; t < REGIONS.length; t++) if ((ringLen[t] as number) > 0) { r = t; break; }
        }
        const len = Math.min(ringLen[r] as number, RING);
        if (len > 0) {
          j = (ring[r] as Int32Array)[Math.floor(shareJ * len)] as number;
          share = shareU < p.householdShare / 2 ? 1 : 2;
        }
      }
      const region = REGIONS[r] as RegionDef;

      this.region[i] = r;
      this.gender[i] = gU < 0.505 ? 1 : gU < 0.985 ? 0 : 2;
      this.age[i] = age;
      this.occupation[i] = occ;
      this.income[i] = inc;
      this.tenureMonths[i] = tenure;
      this.createdMs[i] = createdMs;
      this.balanceCents[i] = balance;
      this.consent[i] = consent;
      this.dnc[i] = dnc;
      const culture = CULTURES.indexOf(region.cultures[pickIdx(cultCum[r] as Float64Array, cultU)]![0]);
      this.culture[i] = culture;
      // raw index 0…59: both name lists have 20 or 30 entries, so `raw % length` is uniform
      this.givenIdx[i] = Math.floor(givenU * 60);
      this.surnameIdx[i] = Math.floor(surU * SURNAMES[CULTURES[culture] as NameCulture].length);
      this.emailPattern[i] = emailU < 0.08 ? 0 : 1 + Math.floor(((emailU - 0.08) / 0.92) * 4);
      this.emailDomain[i] = Math.floor(emailD * region.emailDomains.length);
      this.emailNum[i] = emailN;
      this.language[i] = LANGUAGES.indexOf(region.languages[pickIdx(langCum[r] as Float64Array, langU)]![0] as 'en');
      this.phoneVariant[i] = Math.floor(variantU * formatVariants(region.country));

      if (j >= 0) {
        const owner = this.phoneOwner[j] as number;
        this.phoneOwner[i] = owner;
        this.phoneK[i] = this.phoneK[j] as number;
        this.phoneShare[i] = share;
        if ((this.phoneShare[j] as number) === 0) this.phoneShare[j] = share;
        if (share === 1) {
          // household: same surname (and culture), different given name most of the time
          this.culture[i] = this.culture[j] as number;
          this.surnameIdx[i] = this.surnameIdx[j] as number;
        } else if (wrongU < 0.9) {
          // recycled: the number now belongs to whoever got it last; the older record is stale
          const older = (this.createdMs[j] as number) <= createdMs ? j : i;
          this.wrongNumber[older] = 1;
        }
        // j now shares: take it out of the ring so numbers are shared by two customers at most
        const rg = ring[r] as Int32Array;
        const len = Math.min(ringLen[r] as number, RING);
        for (let t = 0; t < len; t++) if (rg[t] === j) { rg[t] = rg[len - 1] as number; ringLen[r] = len - 1; break; }
      } else {
        this.phoneOwner[i] = i;
        this.phoneK[i] = regionCount[r] as number;
        regionCount[r] = (regionCount[r] as number) + 1;
        if (wrongU > 1 - p.deadNumberShare) this.wrongNumber[i] = 1;
        const rg = ring[r] as Int32Array;
        const len = ringLen[r] as number;
        if (len < RING) { rg[len] = i; ringLen[r] = len + 1; }
        else rg[Math.floor(shareJ * RING)] = i;
      }

      // truth: answering
      this.answerLevel[i] = COEF.answer.levelSd * rng.normal();
      const sU = rng.uniform();
      // the daily curve runs an hour earlier for many older customers and later for many
      // young ones (visible through age), and is shifted at random for a few others
      const early = age >= 60 ? 0.35 : 0.05;
      const late = age < 30 ? 0.35 : 0.05;
      this.answerShift[i] = sU < early ? -1 : sU < early + late ? 1 : 0;
      this.rota[i] = occ === OCC.shift_worker ? drawRota(rng) : 0;
      this.voicemailP[i] = rng.uniform() < 0.65 ? 0.85 + 0.1 * rng.uniform() : 0.05;
      const rj = rng.uniform();
      this.rejectP[i] = 0.03 + 0.25 * rj * rj;
      this.talkFactor[i] = Math.exp(0.3 * rng.normal());
      // truth: engagement (drives events and conversion)
      const e0 =
        eg.base +
        eg.perIncomeStep * (inc - 2) +
        (occ === OCC.retired ? eg.retired : 0) +
        (occ === OCC.student ? eg.student : 0) +
        eg.sd * rng.normal();
      this.e0[i] = e0;
      this.amp[i] = eg.maxAmplitude * rng.uniform();
      this.periodDays[i] = eg.minPeriodDays + (eg.maxPeriodDays - eg.minPeriodDays) * rng.uniform();
      this.phase[i] = TWO_PI * rng.uniform();
      this.slope[i] = eg.slopeSdPer180Days * rng.normal();
      // truth: conversion and opt-out
      this.convStatic[i] = conversionStaticLogit(occ, age, inc, tenure, balance / 100, COEF.conversion.individualSd * rng.normal());
      const oo = COEF.optOut;
      this.optOutLogit[i] = oo.intercept + oo.sd * rng.normal() + (occ === OCC.retired ? oo.retired : 0) + oo.engagement * e0;
    }
  }

  /** When customer i (an arrival) joins: a uniform instant of their arrival day, on its own stream. */
  private arrivalMs(i: number): number {
    const day = Math.floor((i - this.arrivalsFrom) / this.arrivalsPerDay);
    return this.endMs + day * MS_PER_DAY + new Rng(this.params.seed, STREAM.arrival, i).int(86_400) * 1000;
  }

  // ---------------------------------------------------------------- CRM view

  customerId(i: number): string {
    return customerIdOf(i);
  }

  regionOf(i: number): RegionDef {
    return REGIONS[this.region[i] as number] as RegionDef;
  }

  timezone(i: number): string {
    return this.regionOf(i).timezone;
  }

  nationalNumber(i: number): string {
    return (this.plans[this.region[i] as number] as NumberPlan).nsn(this.phoneK[i] as number);
  }

  /** True E.164 number (shared by household members and recycled pairs). */
  phoneE164(i: number): string {
    let s = this.e164Cache[i];
    if (s === undefined) {
      s = e164(this.regionOf(i).country, this.nationalNumber(i));
      this.e164Cache[i] = s;
    }
    return s;
  }

  /** The number as the CRM spells it for this customer. */
  phoneRaw(i: number): string {
    return formatMessy(this.regionOf(i).country, this.nationalNumber(i), this.phoneVariant[i] as number);
  }

  givenName(i: number): string {
    const names = GIVEN_NAMES[CULTURES[this.culture[i] as number] as NameCulture];
    const g = this.gender[i] as number;
    const raw = this.givenIdx[i] as number;
    const female = g === 1 || (g === 2 && raw % 2 === 0);
    const list = female ? names.female : names.male;
    return list[raw % list.length] as string;
  }

  surname(i: number): string {
    return SURNAMES[CULTURES[this.culture[i] as number] as NameCulture][this.surnameIdx[i] as number] as string;
  }

  email(i: number): string | null {
    const pattern = this.emailPattern[i] as number;
    if (pattern === 0) return null;
    const g = asciiFold(this.givenName(i));
    const s = asciiFold(this.surname(i));
    const d = this.regionOf(i).emailDomains[this.emailDomain[i] as number] as string;
    const n = this.emailNum[i] as number;
    switch (pattern) {
      case 1: return `${g}.${s}@${d}`;
      case 2: return `${g.slice(0, 1)}.${s}${n}@${d}`;
      case 3: return `${g}${s}${n}@${d}`;
      default: return `${s}.${g}${n}@${d}`;
    }
  }

  customer(i: number): CustomerProfile {
    this.check(i);
    const region = this.regionOf(i);
    return {
      index: i,
      customer_id: customerIdOf(i),
      name: `${this.givenName(i)} ${this.surname(i)}`,
      given_name: this.givenName(i),
      surname: this.surname(i),
      phone_e164: this.phoneE164(i),
      phone_raw: this.phoneRaw(i),
      country: region.country,
      region: region.code,
      timezone: region.timezone,
      age: this.age[i] as number,
      gender: GENDERS[this.gender[i] as number] as Gender,
      occupation: OCCUPATIONS[this.occupation[i] as number] as Occupation,
      income_band: INCOME_BANDS[this.income[i] as number] as IncomeBand,
      tenure_months: this.tenureMonths[i] as number,
      balance: (this.balanceCents[i] as number) / 100,
      consent: this.consent[i] === 1,
      dnc: this.dnc[i] === 1,
      created_at: new Date(this.createdMs[i] as number).toISOString(),
      email: this.email(i),
      preferred_language: LANGUAGES[this.language[i] as number] as string,
    };
  }

  /** CRM spellings, for exports. */
  occupationLabel(i: number): string {
    return OCCUPATION_LABELS[this.occupation[i] as number] as string;
  }
  incomeLabel(i: number): string {
    return INCOME_BAND_LABELS[this.income[i] as number] as string;
  }
  genderLabel(i: number): string {
    return GENDER_LABELS[this.gender[i] as number] as string;
  }
  sharedNumberKind(i: number): SharedNumberKind {
    return SHARE_KINDS[this.phoneShare[i] as number] as SharedNumberKind;
  }

  /** Index of a canonical customer id ("C0000123" → 122), or -1 when the world has no such customer. */
  indexOf(customerId: string): number {
    if (!/^C\d{7,}$/.test(customerId)) return -1;
    const i = Number(customerId.slice(1)) - 1;
    return i >= 0 && i < this.size && customerIdOf(i) === customerId ? i : -1;
  }

  /** Customers whose CRM record carries this E.164 number (two for shared numbers). */
  customersAt(phoneE164: string): number[] {
    if (!this.byPhone) {
      this.byPhone = new Map();
      for (let i = 0; i < this.size; i++) {
        const e = this.phoneE164(i);
        const list = this.byPhone.get(e);
        if (list) list.push(i);
        else this.byPhone.set(e, [i]);
      }
    }
    return this.byPhone.get(phoneE164) ?? [];
  }

  // ---------------------------------------------------------------- truth

  /** Local hour-of-week (Monday 00:00 = 0 … Sunday 23:00 = 167) of a UTC instant for customer i. */
  localHourOfWeek(i: number, utcMs: number): number {
    return hourOfWeekOfLocalMs(utcToLocalMs(this.timezone(i), utcMs));
  }

  /** True probability that customer i picks up a call placed at local hour-of-week `how`. */
  answerProbability(i: number, how: number): number {
    const occ = this.occupation[i] as number;
    const h2 = (how - (this.answerShift[i] as number) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
    const base = occ === OCC.shift_worker ? shiftWorkerLogit(this.rota[i] as number, h2) : ((OCCUPATION_PROFILES[occ] as Float32Array)[h2] as number);
    const a = COEF.answer;
    const z =
      base +
      (this.answerLevel[i] as number) +
      a.agePerYear * ((this.age[i] as number) - 45) +
      a.weekdayNoiseSd * hashNormal(this.seedW, i, Math.floor(how / 24), 101) +
      a.hourNoiseSd * hashNormal(this.seedW, i, how, 202);
    return answerFromLogit(z);
  }

  /** All 168 answer probabilities of customer i (same values as `answerProbability`, computed in one pass). */
  answerProbabilities(i: number, out: Float64Array | Float32Array = new Float64Array(HOURS_PER_WEEK)): Float64Array | Float32Array {
    const occ = this.occupation[i] as number;
    const shift = this.answerShift[i] as number;
    const rota = this.rota[i] as number;
    const profile = OCCUPATION_PROFILES[occ] as Float32Array;
    const a = COEF.answer;
    const level = this.answerLevel[i] as number;
    const ageTerm = a.agePerYear * ((this.age[i] as number) - 45);
    for (let d = 0; d < 7; d++) {
      const dayTerm = a.weekdayNoiseSd * hashNormal(this.seedW, i, d, 101);
      for (let h = 0; h < 24; h++) {
        const how = d * 24 + h;
        const h2 = (how - shift + HOURS_PER_WEEK) % HOURS_PER_WEEK;
        const base = occ === OCC.shift_worker ? shiftWorkerLogit(rota, h2) : (profile[h2] as number);
        // same order of additions as answerProbability, so the values are bit-identical
        const z = base + level + ageTerm + dayTerm + a.hourNoiseSd * hashNormal(this.seedW, i, how, 202);
        out[how] = answerFromLogit(z);
      }
    }
    return out;
  }

  /** Latent log-engagement of customer i at `utcMs`: drives events and conversion. */
  logEngagement(i: number, utcMs: number): number {
    const tDays = (utcMs - this.endMs) / MS_PER_DAY;
    const v =
      (this.e0[i] as number) +
      (this.amp[i] as number) * Math.sin((TWO_PI * tDays) / (this.periodDays[i] as number) + (this.phase[i] as number)) +
      ((this.slope[i] as number) * tDays) / 180;
    return v < -3 ? -3 : v > 2.5 ? 2.5 : v;
  }

  /**
   * True probability that customer i buys when reached at `atTime`, given recent contacts
   * (each call answered in the previous 7 days lowers it).
   */
  conversionProbability(i: number, atTime: number | Date, recent?: RecentContacts): number {
    const t = typeof atTime === 'number' ? atTime : atTime.getTime();
    const c = COEF.conversion;
    const z =
      (this.convStatic[i] as number) +
      c.engagement * this.logEngagement(i, t) -
      c.fatiguePerAnswered7d * (recent?.answeredLast7Days ?? 0);
    return Math.min(c.cap, sigmoid(z));
  }

  /** True probability that customer i asks never to be called again, per answered call. */
  optOutProbability(i: number, recent?: RecentContacts): number {
    const o = COEF.optOut;
    return Math.min(o.cap, sigmoid(this.optOutLogit[i] as number) * (1 + o.fatiguePerAnswered7d * (recent?.answeredLast7Days ?? 0)));
  }

  /**
   * True probability that one dial of customer i at `utcMs` ends in a sale: the same chain of
   * probabilities `dial()` draws from (line up, answered, not abandoned, converted). What an
   * oracle ranks by.
   */
  expectedConversion(i: number, utcMs: number, opts: DialOptions = {}): number {
    if (this.wrongNumber[i] === 1) return 0;
    const d = COEF.dial;
    const how = opts.localHourOfWeek ?? this.localHourOfWeek(i, utcMs);
    let pc = this.conversionProbability(i, utcMs, opts.recent);
    if ((opts.handler ?? 'agent') === 'robot') pc *= COEF.conversion.robotMultiplier;
    return (1 - d.failed - d.busy) * this.answerProbability(i, how) * (1 - d.abandoned) * pc;
  }

  /** The number on file reaches someone else, or no one (recycled, dead or mistyped). */
  isWrongNumber(i: number): boolean {
    return this.wrongNumber[i] === 1;
  }

  /**
   * Talk time of an answered call, in seconds: longer for sales, short for opt-outs, scaled by
   * how chatty the customer is. Pure given the rng state.
   */
  talkSeconds(i: number, outcome: 'sale' | 'no_sale' | 'opt_out' | 'wrong_person', handler: Handler, rng: Rng): number {
    const f = this.talkFactor[i] as number;
    let s: number;
    switch (outcome) {
      case 'sale': s = (handler === 'robot' ? 40 : 0) + 280 * f * Math.exp(0.45 * rng.normal()); break;
      case 'no_sale': s = (handler === 'robot' ? 35 : 70 * f) * Math.exp(0.7 * rng.normal()); break;
      case 'opt_out': s = 30 * f * Math.exp(0.5 * rng.normal()); break;
      default: s = 8 + 12 * rng.uniform();
    }
    return Math.max(3, Math.min(3600, Math.round(s)));
  }

  /** Sale value of a conversion: grows with income, around the campaign's median. */
  saleValue(i: number, medianValue: number, rng: Rng): number {
    const v = medianValue * (0.6 + 0.25 * (this.income[i] as number)) * Math.exp(0.5 * rng.normal());
    return Math.round(v * 100) / 100;
  }

  /**
   * What happens when customer i is dialled at `utcMs`: the whole callee side (answer, ring and
   * talk time, sale, opt-out). Used by the history generator and the simulated carrier, so both
   * draw from the same truth. Writes into `out` (allocation-free in hot loops).
   */
  dial(i: number, utcMs: number, rng: Rng, opts: DialOptions = {}, out: DialResult = newDialResult()): DialResult {
    const d = COEF.dial;
    out.talkSeconds = 0;
    out.converted = false;
    out.value = 0;
    out.optedOut = false;
    out.handledBy = null;
    out.transferred = false;
    if (this.wrongNumber[i] === 1) {
      const u = rng.uniform();
      if (u < d.wrongNumberInvalid) {
        out.disposition = 'invalid_number';
        out.ringSeconds = rng.int(3);
      } else if (u < 0.9) {
        out.disposition = 'no_answer';
        out.ringSeconds = 30 + rng.int(16);
      } else {
        out.disposition = 'voicemail';
        out.ringSeconds = 18 + rng.int(11);
      }
      return out;
    }
    const u = rng.uniform();
    if (u < d.failed) {
      out.disposition = 'failed';
      out.ringSeconds = 0;
      return out;
    }
    if (u < d.failed + d.busy) {
      out.disposition = 'busy';
      out.ringSeconds = rng.int(2);
      return out;
    }
    const how = opts.localHourOfWeek ?? this.localHourOfWeek(i, utcMs);
    const pa = this.answerProbability(i, how);
    if (rng.uniform() < pa) {
      out.ringSeconds = Math.min(40, Math.round(3 + 8 * Math.exp(0.5 * rng.normal())));
      if (rng.uniform() < d.abandoned) {
        out.disposition = 'abandoned';
        return out;
      }
      out.disposition = 'answered';
      const handler = opts.handler ?? 'agent';
      out.handledBy = handler;
      let pc = this.conversionProbability(i, utcMs, opts.recent);
      if (handler === 'robot') pc *= COEF.conversion.robotMultiplier;
      if (rng.uniform() < pc) {
        out.converted = true;
        out.value = this.saleValue(i, opts.medianValue ?? 60, rng);
        out.transferred = handler === 'robot';
        out.talkSeconds = this.talkSeconds(i, 'sale', handler, rng);
      } else {
        out.optedOut = rng.uniform() < this.optOutProbability(i, opts.recent);
        out.transferred = !out.optedOut && rng.uniform() < (handler === 'robot' ? 0.05 : 0.02);
        out.talkSeconds = this.talkSeconds(i, out.optedOut ? 'opt_out' : 'no_sale', handler, rng);
      }
      return out;
    }
    // not answered: rejected, voicemail or rang out
    if (rng.uniform() < (this.rejectP[i] as number)) {
      out.disposition = 'rejected';
      out.ringSeconds = 2 + rng.int(11);
    } else if (rng.uniform() < (this.voicemailP[i] as number)) {
      out.disposition = 'voicemail';
      out.ringSeconds = 18 + rng.int(11);
    } else {
      out.disposition = 'no_answer';
      out.ringSeconds = 30 + rng.int(16);
    }
    return out;
  }

  /**
   * Behaviour events of customer i in [fromMs, toMs), in time order. The process runs from the
   * customer's creation (or the world's event origin) with its own random stream, so any window
   * — including days after `endDate`, for the simulated future — is reproducible.
   */
  events(i: number, fromMs: number, toMs: number): BehaviourEvent[] {
    const out: BehaviourEvent[] = [];
    this.forEachEvent(i, toMs, (ts, type, value) => {
      if (ts >= fromMs) out.push({ ts, type: EVENT_TYPE_NAMES[type] as BehaviourEvent['type'], value: type === 2 ? null : value });
    });
    return out;
  }

  /** Allocation-free event iteration: type 0 purchase, 1 payment, 2 visit (value 0). */
  forEachEvent(i: number, toMs: number, emit: (ts: number, type: number, value: number) => void): void {
    const origin = Math.max(this.createdMs[i] as number, this.eventOriginMs);
    if (origin >= toMs) return;
    const rng = new Rng(this.params.seed, STREAM.events, i);
    const rate = COEF.engagement.eventsPerDay;
    const BLOCK = 30 * MS_PER_DAY;
    const e0 = this.e0[i] as number;
    const amp = this.amp[i] as number;
    const slope = this.slope[i] as number;
    const inc = this.income[i] as number;
    const balance = (this.balanceCents[i] as number) / 100;
    const purchaseMu = Math.log(25 * (1 + 0.5 * inc));
    const paymentMu = Math.log(Math.max(20, balance * 0.05));
    let t = origin;
    while (t < toMs) {
      const blockEnd = t + BLOCK;
      // upper bound of the engagement over the block, for thinning
      const s1 = (slope * (t - this.endMs)) / MS_PER_DAY / 180;
      const s2 = (slope * (blockEnd - this.endMs)) / MS_PER_DAY / 180;
      const vmax = Math.min(2.5, e0 + amp + Math.max(s1, s2));
      const lamPerMs = (rate * Math.exp(vmax)) / MS_PER_DAY;
      for (;;) {
        t += rng.exponential(lamPerMs);
        if (t >= blockEnd || t >= toMs) break;
        const accept = rng.uniform() * Math.exp(vmax) < Math.exp(this.logEngagement(i, t));
        const typeU = rng.uniform();
        const z = rng.normal();
        if (!accept) continue;
        const ts = Math.floor(t / 1000) * 1000;
        if (typeU < 0.5) emit(ts, 2, 0);
        else if (typeU < 0.82) emit(ts, 0, Math.round(Math.exp(purchaseMu + 0.7 * z) * 100) / 100);
        else emit(ts, 1, Math.round(Math.exp(paymentMu + 0.4 * z) * 100) / 100);
      }
      // memoryless: restarting the clock at the block boundary keeps the process exact
      t = Math.min(blockEnd, t);
      if (t >= toMs) break;
    }
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`customer index ${i} is outside 0…${this.size - 1}`);
  }
}

export const EVENT_TYPE_NAMES = ['purchase', 'payment', 'visit'] as const;

/** Canonical customer id of index i: "C" + 7+ digits. */
export function customerIdOf(i: number): string {
  const s = String(i + 1);
  return s.length >= 7 ? 'C' + s : 'C' + '0000000'.slice(s.length) + s;
}

function pickIdx(cum: Float64Array, u: number): number {
  const x = u * (cum[cum.length - 1] as number);
  for (let k = 0; k < cum.length; k++) if (x < (cum[k] as number)) return k;
  return cum.length - 1;
}

/** A shift worker's weekly rota: five working days (fixed or mixed shift types), two off. */
function drawRota(rng: Rng): number {
  const off1 = rng.int(7);
  const off2 = rng.uniform() < 0.6 ? (off1 + 1) % 7 : (off1 + 1 + rng.int(6)) % 7;
  const fixed = rng.uniform() < 0.75;
  const fixedType = [SHIFT_EARLY, SHIFT_LATE, SHIFT_NIGHT][rng.int(3)] as number;
  let rota = 0;
  for (let d = 0; d < 7; d++) {
    const type = d === off1 || d === off2 ? SHIFT_OFF : fixed ? fixedType : ([SHIFT_EARLY, SHIFT_LATE, SHIFT_NIGHT][rng.int(3)] as number);
    rota |= type << (d * 2);
  }
  return rota;
}

function asciiFold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** Re-create a world from its parameters (e.g. truth/world.json). */
export function createWorld(options: WorldOptions | WorldParams): World {
  return new World(options);
}
