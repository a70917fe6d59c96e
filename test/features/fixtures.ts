import type { Warehouse } from '../../warehouse/index.ts';

/** Small hand-built warehouse rows, inserted with bound parameters. */

export interface CustomerRow {
  id: string;
  timezone?: string;
  phone?: string | null;
  age?: number | null;
  occupation?: string | null;
  region?: string | null;
  income?: string | null;
  tenure?: number | null;
  balance?: number | null;
  consent?: boolean;
  dnc?: boolean;
  attributes?: Record<string, unknown> | null;
  created?: string;
  updated?: string | null;
}

export async function addCustomer(wh: Warehouse, c: CustomerRow): Promise<void> {
  await wh.run(
    `INSERT INTO customers (customer_id, phone_hash, timezone, age, occupation, region, income_band, tenure_months, balance,
       consent, dnc, attributes, created_at, updated_at, source)
     VALUES ($id, $phone, $tz, $age, $occupation, $region, $income, $tenure, $balance, $consent, $dnc, $attributes,
       $created::TIMESTAMPTZ, $updated::TIMESTAMPTZ, 'test-crm')`,
    {
      id: c.id,
      phone: c.phone === undefined ? `ph-${c.id}` : c.phone,
      tz: c.timezone ?? 'Europe/London',
      age: c.age ?? null,
      occupation: c.occupation === undefined ? 'clerk' : c.occupation,
      region: c.region ?? null,
      income: c.income ?? null,
      tenure: c.tenure ?? null,
      balance: c.balance ?? null,
      consent: c.consent ?? true,
      dnc: c.dnc ?? false,
      attributes: c.attributes ? JSON.stringify(c.attributes) : null,
      created: c.created ?? '2024-01-01T00:00:00Z',
      updated: c.updated ?? null,
    },
  );
}

export interface AttemptRow {
  id: string;
  customer: string;
  at: string;
  disposition?: string;
  converted?: boolean | null;
  value?: number | null;
  optedOut?: boolean | null;
  phone?: string | null;
  talk?: number | null;
}

export async function addAttempt(wh: Warehouse, a: AttemptRow): Promise<void> {
  await wh.run(
    `INSERT INTO call_attempts (attempt_id, campaign_id, customer_id, phone_hash, started_at, disposition, talk_seconds, converted,
       conversion_value, opted_out, source)
     VALUES ($id, 'camp', $customer, $phone, $at::TIMESTAMPTZ, $disposition, $talk, $converted, $value, $opted_out, 'test-log')`,
    {
      id: a.id,
      customer: a.customer,
      phone: a.phone === undefined ? `ph-${a.customer}` : a.phone,
      at: a.at,
      disposition: a.disposition ?? 'no_answer',
      talk: a.talk ?? null,
      converted: a.converted ?? null,
      value: a.value ?? null,
      opted_out: a.optedOut ?? null,
    },
  );
}

export async function addEvent(wh: Warehouse, e: { id: string; customer: string; at: string; type?: string; value?: number | null }): Promise<void> {
  await wh.run(
    `INSERT INTO events (event_id, customer_id, ts, type, value, source) VALUES ($id, $customer, $at::TIMESTAMPTZ, $type, $value, 'test')`,
    { id: e.id, customer: e.customer, at: e.at, type: e.type ?? 'purchase', value: e.value ?? null },
  );
}

export async function addConsent(
  wh: Warehouse,
  c: { id: string; customer?: string | null; phone?: string | null; kind: string; at: string; source?: string },
): Promise<void> {
  await wh.run(
    `INSERT INTO consents (consent_id, customer_id, phone_hash, kind, effective_at, source, reason)
     VALUES ($id, $customer, $phone, $kind, $at::TIMESTAMPTZ, $source, 'test')`,
    { id: c.id, customer: c.customer ?? null, phone: c.phone ?? null, kind: c.kind, at: c.at, source: c.source ?? 'test' },
  );
}

/** A snapshot's rows keyed by customer, without the snapshot id. */
export async function snapshotRows(wh: Warehouse, snapshotId: number): Promise<Map<string, Record<string, unknown>>> {
  const rows = await wh.query<Record<string, unknown>>(
    `SELECT * EXCLUDE (snapshot_id) FROM customer_features WHERE snapshot_id = $id ORDER BY customer_id`,
    { id: snapshotId },
  );
  return new Map(rows.map((r) => [String(r.customer_id), r]));
}

export const DAY_MS = 86_400_000;
export const at = (iso: string, plusMs = 0) => new Date(new Date(iso).getTime() + plusMs).toISOString();
