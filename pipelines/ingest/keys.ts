import type { KindSpec } from './fields.ts';

/**
 * The natural key of a typed row: the source's own id, else a deterministic hash of the
 * canonical content, so re-ingesting the same row always yields the same key.
 */
export function keySql(spec: KindSpec): string {
  const part = (expr: string) => `coalesce(CAST(${expr} AS VARCHAR), '')`;
  switch (spec.kind) {
    case 'customers':
      return 't.customer_id';
    case 'events':
      return `coalesce(t.event_id, 'h' || md5(concat_ws('|', ${[part('t.customer_id'), part('epoch_us(t.ts)'), part('t.type'), part('t.value')].join(', ')})))`;
    case 'call-attempts':
      return `coalesce(t.attempt_id, 'h' || md5(concat_ws('|', ${[
        part('t.customer_id'),
        part('epoch_us(t.started_at)'),
        part('t.campaign_id'),
        part('t.disposition'),
        part('t.ring_seconds'),
        part('t.talk_seconds'),
        part('t.converted'),
      ].join(', ')})))`;
  }
}

/** Columns compared to tell an unchanged customer from an updated one. */
export const CUSTOMER_CONTENT_COLUMNS = [
  'name',
  'phone_e164',
  'phone_hash',
  'timezone',
  'country',
  'region',
  'age',
  'gender',
  'occupation',
  'income_band',
  'tenure_months',
  'balance',
  'consent',
  'dnc',
  'attributes',
  'created_at',
  'updated_at',
] as const;
