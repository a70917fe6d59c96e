/**
 * Synthetic mobile numbers: unique per region by construction (an affine permutation of the
 * k-th customer of the region over the region's number space), in ranges libphonenumber-js
 * validates as mobile, and written in the messy ways CRM users type them.
 */
import type { Country, RegionDef } from './catalog.ts';

interface NumberSpace {
  readonly countryCode: string;
  /** National-number prefixes; each is followed by `rest` random digits. */
  readonly prefixes: readonly string[];
  readonly rest: number;
}

function blocks(...ranges: [number, number][]): string[] {
  return ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, k) => String(a + k)));
}

// Ranges checked against libphonenumber-js/max metadata (test/simulation/phone.test.ts):
// GB 074x–078x blocks minus those of Jersey, Guernsey and the Isle of Man (07457, 07509, 07524,
// 076xx, 07781, 07797, 07829, 07839 …), DE 151–179 blocks, ES 6xx, AU 040–043/046; US numbers
// are NPA-NXX-XXXX with NXX in 200–999 minus N11 and 555.
const SPACES: Record<Exclude<Country, 'US'>, NumberSpace> = {
  GB: {
    countryCode: '44',
    prefixes: blocks([7400, 7456], [7458, 7508], [7510, 7523], [7525, 7599], [7800, 7828], [7830, 7838], [7840, 7899]),
    rest: 6,
  },
  DE: {
    countryCode: '49',
    prefixes: ['151', '152', '155', '156', '157', '159', '160', '162', '163', '170', '171', '172', '173', '174', '175', '176', '177', '178', '179'],
    rest: 8,
  },
  ES: { countryCode: '34', prefixes: ['6'], rest: 8 },
  AU: { countryCode: '61', prefixes: ['40', '41', '42', '43', '46'], rest: 7 },
};

const US_EXCHANGES: readonly number[] = (() => {
  const out: number[] = [];
  for (let n = 200; n <= 999; n++) if (n % 100 !== 11 && n !== 555) out.push(n);
  return out;
})();

export const COUNTRY_CODES: Record<Country, string> = { US: '1', GB: '44', DE: '49', ES: '34', AU: '61' };

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Per-region generator of unique national significant numbers. */
export class NumberPlan {
  private readonly size: number;
  private readonly mult: number;
  private readonly offset: number;
  private readonly prefixes: readonly string[];
  private readonly restDigits: number;
  private readonly restSpace: number;

  constructor(
    readonly region: RegionDef,
    salt: number,
  ) {
    if (region.country === 'US') {
      const codes = region.areaCodes ?? [];
      this.prefixes = codes.flatMap((ac) => US_EXCHANGES.map((x) => ac + String(x)));
      this.restDigits = 4;
    } else {
      const sp = SPACES[region.country];
      this.prefixes = sp.prefixes;
      this.restDigits = sp.rest;
    }
    this.restSpace = 10 ** this.restDigits;
    this.size = this.prefixes.length * this.restSpace;
    // multiplier near the golden ratio of the space, made coprime, so consecutive k scatter
    let m = Math.floor(this.size * 0.6180339887) + (salt % 997);
    while (gcd(m, this.size) !== 1) m++;
    this.mult = m;
    this.offset = (salt * 7919) % this.size;
  }

  get capacity(): number {
    return this.size;
  }

  /** National significant number of the k-th customer of the region (k < capacity). */
  nsn(k: number): string {
    if (k >= this.size) throw new RangeError(`region ${this.region.code} has only ${this.size} numbers`);
    // (mult·k + offset) mod size without losing precision: mult < 2^31, k < 2^31 → < 2^62 would
    // overflow doubles, so multiply in two halves.
    const kHi = Math.floor(k / 65536);
    const kLo = k % 65536;
    const slot = (((((this.mult * kHi) % this.size) * 65536) % this.size) + ((this.mult * kLo) % this.size) + this.offset) % this.size;
    const p = Math.floor(slot / this.restSpace);
    const r = slot - p * this.restSpace;
    const rest = String(r).padStart(this.restDigits, '0');
    return (this.prefixes[p] as string) + rest;
  }
}

export function e164(country: Country, nsn: string): string {
  return '+' + COUNTRY_CODES[country] + nsn;
}

/** Number of messy spellings `formatMessy` knows for a country. */
export function formatVariants(country: Country): number {
  return country === 'GB' ? 8 : country === 'DE' ? 5 : 4;
}

/**
 * One of several human spellings of a number. Every spelling parses back to the same E.164
 * both with the mapping's default region (GB, the CRM's home country) and with the customer's
 * own country (what an ingest that reads the row's zone would use): national formats only for
 * GB, `00` international prefixes only where both GB and the home country dial out with 00
 * (DE, ES), `+CC` everywhere.
 */
export function formatMessy(country: Country, nsn: string, variant: number): string {
  const cc = COUNTRY_CODES[country];
  switch (country) {
    case 'GB': {
      const a = nsn.slice(0, 4);
      const b = nsn.slice(4);
      switch (variant % 8) {
        case 0: return `0${a} ${b}`;
        case 1: return `0${a}-${b.slice(0, 3)}-${b.slice(3)}`;
        case 2: return `+44 ${a} ${b}`;
        case 3: return `+44${nsn}`;
        case 4: return `0044 ${a} ${b.slice(0, 3)} ${b.slice(3)}`;
        case 5: return `+44 (0)${a} ${b}`;
        case 6: return `(0${a}) ${b}`;
        default: return `0${nsn}`;
      }
    }
    case 'US': {
      const a = nsn.slice(0, 3);
      const b = nsn.slice(3, 6);
      const c = nsn.slice(6);
      switch (variant % 4) {
        case 0: return `+1 ${a}-${b}-${c}`;
        case 1: return `+1 (${a}) ${b} ${c}`;
        case 2: return `+1${nsn}`;
        default: return `+1.${a}.${b}.${c}`;
      }
    }
    case 'DE': {
      const a = nsn.slice(0, 3);
      const b = nsn.slice(3);
      switch (variant % 5) {
        case 0: return `+49 ${a} ${b}`;
        case 1: return `0049 ${a} ${b.slice(0, 4)} ${b.slice(4)}`;
        case 2: return `+49 (0)${a} ${b}`;
        case 3: return `+49-${a}-${b.slice(0, 4)}-${b.slice(4)}`;
        default: return `+49${nsn}`;
      }
    }
    default: {
      // ES and AU: nine-digit national numbers, grouped 3-3-3
      const a = nsn.slice(0, 3);
      const b = nsn.slice(3, 6);
      const c = nsn.slice(6);
      switch (variant % 4) {
        case 0: return `+${cc} ${a} ${b} ${c}`;
        case 1: return country === 'AU' ? `+61 (0)${a} ${b} ${c}` : `0034 ${nsn}`;
        case 2: return country === 'AU' ? `+61-${a}-${b}-${c}` : `+34-${a}-${b.slice(0, 2)}-${b.slice(2)}${c.slice(0, 1)}-${c.slice(1)}`;
        default: return `+${cc}${nsn}`;
      }
    }
  }
}

/** Spellings that no phone library should accept: the `invalid_phone` dirty rows. */
export function invalidPhone(e164Number: string, variant: number): string {
  switch (variant % 4) {
    case 0: return e164Number.slice(0, 6);
    case 1: return '12345';
    case 2: return '0000 000';
    default: return `+${e164Number.slice(1, 3)} 0`;
  }
}
