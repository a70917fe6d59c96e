import type { Row, Warehouse } from '../../warehouse/index.ts';

/**
 * Per-day results of a stored simulation (`dialwise simulate` / `demo`), one row per day and
 * policy (model, random, oracle): dials, contact rate, conversions per 1,000 dials, violations.
 * Default: the newest simulation in the warehouse.
 */
export async function simulationDays(wh: Warehouse, simId?: string): Promise<Row[]> {
  return wh.query(
    `SELECT sim_id, day, day_start, policy, dials, answered, contact_rate, conversions,
            conversions_per_1000_dials, abandoned_share, compliance_violations
     FROM simulation_days
     WHERE sim_id = coalesce($sim, (SELECT sim_id FROM simulation_days ORDER BY sim_id DESC LIMIT 1))
     ORDER BY day, policy`,
    { sim: simId ?? null },
  );
}
