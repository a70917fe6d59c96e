import { ARMS, DISPOSITIONS, HANDLERS, type IngestKind } from '../../contracts/index.ts';

export type FieldType = 'country' | 'string' | 'integer' | 'double' | 'boolean' | 'timestamp' | 'enum' | 'phone' | 'timezone' | 'json';

/** One canonical field: how to coerce it and what makes a value wrong. */
export interface FieldSpec {
  name: string;
  type: FieldType;
  required?: boolean;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** min is exclusive (e.g. propensity > 0). */
  minExclusive?: boolean;
  /** a timestamp that may not lie in the future. */
  notFuture?: boolean;
  /** used when the source has no value (after null handling). */
  defaultSql?: string;
  /** an enum's SQL type in the warehouse (a migration creates it); values are typed as it from the start */
  enumType?: string;
}

export interface KindSpec {
  kind: IngestKind;
  table: 'customers' | 'events' | 'call_attempts';
  /** natural key; when absent from the source it is a hash of the canonical row. */
  key: string;
  fields: readonly FieldSpec[];
  /** unmapped source columns are kept in `attributes` (customers) or listed as ignored. */
  keepExtraAs?: 'attributes';
}

export const CUSTOMER_SPEC: KindSpec = {
  kind: 'customers',
  table: 'customers',
  key: 'customer_id',
  keepExtraAs: 'attributes',
  fields: [
    { name: 'customer_id', type: 'string', required: true },
    { name: 'name', type: 'string' },
    { name: 'phone', type: 'phone' },
    { name: 'timezone', type: 'timezone', required: true },
    { name: 'country', type: 'country' },
    { name: 'region', type: 'string' },
    { name: 'age', type: 'integer', min: 0, max: 120 },
    { name: 'gender', type: 'string' },
    { name: 'occupation', type: 'string' },
    { name: 'income_band', type: 'string' },
    { name: 'tenure_months', type: 'integer', min: 0 },
    { name: 'balance', type: 'double' },
    { name: 'consent', type: 'boolean', defaultSql: 'false' },
    { name: 'dnc', type: 'boolean', defaultSql: 'false' },
    { name: 'created_at', type: 'timestamp', notFuture: true },
    { name: 'updated_at', type: 'timestamp', notFuture: true },
  ],
};

export const EVENT_SPEC: KindSpec = {
  kind: 'events',
  table: 'events',
  key: 'event_id',
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'customer_id', type: 'string', required: true },
    { name: 'ts', type: 'timestamp', required: true, notFuture: true },
    { name: 'type', type: 'string', required: true },
    { name: 'value', type: 'double' },
  ],
};

export const CALL_ATTEMPT_SPEC: KindSpec = {
  kind: 'call-attempts',
  table: 'call_attempts',
  key: 'attempt_id',
  fields: [
    { name: 'attempt_id', type: 'string' },
    { name: 'campaign_id', type: 'string' },
    { name: 'customer_id', type: 'string', required: true },
    { name: 'phone', type: 'phone' },
    { name: 'phone_hash', type: 'string' },
    { name: 'started_at', type: 'timestamp', required: true, notFuture: true },
    { name: 'disposition', type: 'enum', required: true, values: DISPOSITIONS, enumType: 'call_disposition' },
    { name: 'ring_seconds', type: 'double', min: 0 },
    { name: 'talk_seconds', type: 'double', min: 0 },
    { name: 'converted', type: 'boolean' },
    { name: 'conversion_value', type: 'double', min: 0 },
    { name: 'opted_out', type: 'boolean' },
    { name: 'handled_by', type: 'enum', values: HANDLERS, enumType: 'call_handler' },
    { name: 'transferred', type: 'boolean' },
    { name: 'arm', type: 'enum', values: ARMS, enumType: 'call_arm' },
    { name: 'propensity', type: 'double', min: 0, minExclusive: true, max: 1 },
    { name: 'model_versions', type: 'json' },
    { name: 'source', type: 'string' },
  ],
};

export const KIND_SPECS: Record<IngestKind, KindSpec> = {
  customers: CUSTOMER_SPEC,
  events: EVENT_SPEC,
  'call-attempts': CALL_ATTEMPT_SPEC,
};
