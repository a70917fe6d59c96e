/**
 * Loading a published run into the server's in-memory database. The files are the run's own
 * (contracts/published-run.ts); `$path` is bound. `segment_hours` is the mean published
 * p_answer of each segment's customers per local hour-of-week, computed once per run.
 */
// Stored in expected-value order with both page orders numbered, so a page is a range scan on
// a sorted column (zone maps skip the rest) instead of a sort of every row per request.
export const LOAD_SCORES = `
  CREATE TABLE scores AS
  SELECT *, row_number() OVER (ORDER BY expected_value DESC, customer_id) AS ev_rank,
            row_number() OVER (ORDER BY customer_id) AS id_rank
  FROM read_parquet($path)
  ORDER BY ev_rank`;
export const LOAD_LEADS = 'CREATE TABLE leads AS SELECT * FROM read_parquet($path)';
export const LOAD_SEGMENTS = 'CREATE TABLE segments AS SELECT * FROM read_parquet($path)';
// ART indexes: the dialer's per-customer lookups are point queries
export const INDEX_SCORES = 'CREATE UNIQUE INDEX scores_customer ON scores (customer_id)';
export const INDEX_LEADS = 'CREATE UNIQUE INDEX leads_customer ON leads (customer_id)';
export const SEGMENT_HOURS = `
  CREATE TABLE segment_hours AS
  SELECT segment_id, any_value(segment_name) AS segment_name, CAST(h - 1 AS INTEGER) AS hour_of_week, avg(p) AS p_answer
  FROM (SELECT segment_id, segment_name, unnest(p_answer) AS p, unnest(range(1, 169)) AS h FROM scores WHERE segment_id IS NOT NULL)
  GROUP BY segment_id, h`;
/** A cached warehouse table back into memory. */
export const LOAD_CACHED = (table: string) => `CREATE TABLE ${table} AS SELECT * FROM read_parquet($path)`;
