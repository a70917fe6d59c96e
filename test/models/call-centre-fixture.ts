/**
 * A small call centre written with SQL inserts, with a known signal:
 *  - answering depends on occupation × local hour (retired people answer in the morning,
 *    office workers in the evening, students late), and on nothing else;
 *  - converting (when answered) is much likelier with a balance over 5,000 (except for
 *    students), for retired customers and for high incomes: a few interactions, so a depth-4
 *    model clearly beats stumps.
 * Uniform draws come from DuckDB's deterministic hash(), so the data are the same every run.
 */
import type { Warehouse } from '../../warehouse/index.ts';

export interface FixtureOptions {
  customers?: number;
  /** First attempt day (UTC midnight). */
  start?: Date;
  days?: number;
  /** Attempts per customer per day (spread over the day). */
  perDay?: number;
  seed?: number;
  /** Share of attempts chosen by the dialer (arm 'model' / 'explore' with a propensity). */
  loggedShare?: number;
}

export const FIXTURE_START = new Date('2024-03-01T00:00:00Z');

export async function seedCallCentre(wh: Warehouse, options: FixtureOptions = {}): Promise<{ customers: number; attempts: number; answered: number; conversions: number }> {
  const n = options.customers ?? 600;
  const days = options.days ?? 40;
  const perDay = options.perDay ?? 1;
  const seed = options.seed ?? 1;
  const start = options.start ?? FIXTURE_START;
  const logged = options.loggedShare ?? 0;
  await wh.run(
    `INSERT INTO customers (customer_id, name, timezone, country, region, age, gender, occupation, income_band, tenure_months, balance,
                            consent, dnc, created_at, updated_at, source)
     SELECT printf('C%05d', i), 'Customer ' || i,
            CASE i % 3 WHEN 0 THEN 'Europe/London' WHEN 1 THEN 'America/New_York' ELSE 'Europe/Berlin' END,
            CASE i % 3 WHEN 0 THEN 'GB' WHEN 1 THEN 'US' ELSE 'DE' END,
            CASE i % 3 WHEN 0 THEN 'GB-LND' WHEN 1 THEN 'US-NY' ELSE 'DE-BE' END,
            20 + (hash(i, $seed, 1) % 60)::INTEGER,
            CASE i % 2 WHEN 0 THEN 'f' ELSE 'm' END,
            CASE hash(i, $seed, 2) % 3 WHEN 0 THEN 'retired' WHEN 1 THEN 'office_worker' ELSE 'student' END,
            CASE hash(i, $seed, 3) % 3 WHEN 0 THEN 'low' WHEN 1 THEN 'middle' ELSE 'high' END,
            (hash(i, $seed, 4) % 120)::INTEGER,
            round((hash(i, $seed, 5) % 10000)::DOUBLE, 2),
            true, false, $created, $created, 'fixture'
     FROM range($n) t(i)`,
    { n, seed, created: new Date(start.getTime() - 400 * 86_400_000) },
  );
  // one row per planned attempt, then its outcome from the truth above
  await wh.run(
    `INSERT INTO call_attempts (attempt_id, campaign_id, customer_id, started_at, disposition, ring_seconds, talk_seconds,
                                converted, conversion_value, opted_out, handled_by, transferred, arm, propensity, source)
     WITH planned AS (
       SELECT c.customer_id, c.timezone, c.occupation, c.balance, c.income_band, d.d, k.k,
              $start::TIMESTAMPTZ + to_days(d.d::INTEGER) + to_minutes((7 * 60 + (hash(c.customer_id, d.d, k.k, $seed) % (14 * 60)))::INTEGER) AS started_at,
              (hash(c.customer_id, d.d, k.k, $seed, 'a') % 1000000) / 1e6 AS u_answer,
              (hash(c.customer_id, d.d, k.k, $seed, 'c') % 1000000) / 1e6 AS u_convert,
              (hash(c.customer_id, d.d, k.k, $seed, 'l') % 1000000) / 1e6 AS u_logged
       FROM customers c CROSS JOIN range($days) d(d) CROSS JOIN range($per_day) k(k)
       WHERE (hash(c.customer_id, d.d, $seed, 'skip') % 3) = 0
     ),
     local AS (
       SELECT *, hour(timezone(timezone, started_at)) AS local_hour FROM planned
     ),
     outcome AS (
       SELECT *,
              u_answer < CASE occupation
                WHEN 'retired' THEN CASE WHEN local_hour < 12 THEN 0.65 ELSE 0.2 END
                WHEN 'office_worker' THEN CASE WHEN local_hour >= 17 THEN 0.6 ELSE 0.12 END
                ELSE CASE WHEN local_hour >= 15 THEN 0.45 ELSE 0.1 END END AS answered,
              u_convert < 1 / (1 + exp(-(-3.2 + 2.8 * (balance > 5000)::INT + 1.2 * (occupation = 'retired')::INT
                                          - 2.2 * (balance > 5000 AND occupation = 'student')::INT
                                          + 0.8 * (income_band = 'high')::INT))) AS buys
       FROM local
     )
     SELECT printf('A-%s-%d-%d', customer_id, d, k), 'FIXTURE', customer_id, started_at,
            CASE WHEN answered THEN 'answered' ELSE 'no_answer' END,
            12, CASE WHEN answered THEN CASE WHEN buys THEN 300 ELSE 60 END ELSE 0 END,
            answered AND buys, CASE WHEN answered AND buys THEN 50.0 END, false,
            CASE WHEN answered THEN 'agent' END, false,
            CASE WHEN u_logged < $logged THEN CASE WHEN u_logged < $logged / 2 THEN 'explore' ELSE 'model' END END,
            CASE WHEN u_logged < $logged THEN CASE WHEN u_logged < $logged / 2 THEN 0.04 ELSE 0.5 END END,
            'fixture'
     FROM outcome`,
    { start, days, per_day: perDay, seed, logged },
  );
  return wh.one<{ customers: number; attempts: number; answered: number; conversions: number }>(
    `SELECT (SELECT count(*) FROM customers) AS customers, count(*) AS attempts,
            count_if(disposition = 'answered') AS answered, count_if(converted) AS conversions
     FROM call_attempts`,
  );
}
