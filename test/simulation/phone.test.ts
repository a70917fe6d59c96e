import { describe, expect, it } from 'vitest';
import { isValidPhoneNumber, parsePhoneNumber, type CountryCode } from 'libphonenumber-js/max';
import { createWorld } from '../../simulation/index.ts';
import { formatMessy, formatVariants, invalidPhone, NumberPlan } from '../../simulation/phone.ts';
import { REGIONS } from '../../simulation/catalog.ts';

describe('synthetic phone numbers', () => {
  const world = createWorld({ customers: 6000, seed: 21, endDate: '2025-01-01' });

  it('are valid mobile numbers of the customer’s country (libphonenumber-js, full metadata)', () => {
    const bad: string[] = [];
    for (let i = 0; i < world.size; i++) {
      const n = parsePhoneNumber(world.phoneE164(i));
      if (!n.isValid() || !['MOBILE', 'FIXED_LINE_OR_MOBILE'].includes(n.getType() ?? '') || n.country !== world.regionOf(i).country) {
        bad.push(`${world.phoneE164(i)}: ${n.country} ${n.getType()}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('are unique except where customers share a number on purpose', () => {
    const owner = new Map<string, number>();
    for (let i = 0; i < world.size; i++) {
      const e = world.phoneE164(i);
      const o = owner.get(e);
      if (o === undefined) owner.set(e, i);
      else {
        expect(world.sharedNumberKind(i), e).not.toBe('none');
        expect(world.phoneOwner[i]).toBe(o);
      }
    }
  });

  it('every messy spelling parses back to the E.164 with the CRM default region and with the home country', () => {
    const bad: string[] = [];
    for (const region of REGIONS) {
      const plan = new NumberPlan(region, 12345);
      for (let k = 0; k < 150; k++) {
        const nsn = plan.nsn(k * 7919);
        for (let v = 0; v < formatVariants(region.country); v++) {
          const raw = formatMessy(region.country, nsn, v);
          for (const dflt of ['GB', region.country] as CountryCode[]) {
            const p = parsePhoneNumber(raw, dflt);
            if (!p.isValid() || p.nationalNumber !== nsn || p.country !== region.country) bad.push(`${raw} (${dflt}) → ${p.number} ${p.country}`);
          }
        }
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('has spellings no library accepts, for the invalid_phone dirty rows', () => {
    for (let i = 0; i < 200; i++) {
      for (let v = 0; v < 4; v++) {
        const raw = invalidPhone(world.phoneE164(i), v);
        expect(isValidPhoneNumber(raw, 'GB'), raw).toBe(false);
        expect(isValidPhoneNumber(raw, world.regionOf(i).country as CountryCode), raw).toBe(false);
      }
    }
  });
});
