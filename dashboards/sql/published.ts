/**
 * Loading a published run into the server's in-memory database. The files are the run's own
 * (contracts/published-run.ts); `$path` is bound. Scores are held in JS (server/scores-index.ts);
 * `segment_hours` is the mean published p_answer of each segment's customers per local
 * hour-of-week, computed once per run straight from scores.parquet.
 */
export const LOAD_LEADS = 'CREATE TABLE leads AS SELECT * FROM read_parquet($path)';
export const LOAD_SEGMENTS = 'CREATE TABLE segments AS SELECT * FROM read_parquet($path)';
// ART index: a lead lookup is a point query
export const INDEX_LEADS = 'CREATE UNIQUE INDEX leads_customer ON leads (customer_id)';
export const SEGMENT_HOURS = `
  CREATE TABLE segment_hours AS
  SELECT segment_id, any_value(segment_name) AS segment_name, CAST(h - 1 AS INTEGER) AS hour_of_week, avg(p) AS p_answer
  FROM (SELECT segment_id, segment_name, unnest(p_answer) AS p, unnest(range(1, 169)) AS h FROM read_parquet($path) WHERE segment_id IS NOT NULL)
  GROUP BY segment_id, h`;
/** A cached warehouse table back into memory. */
export const LOAD_CACHED = (table: string) => `CREATE TABLE ${table} AS SELECT * FROM read_parquet($path)`;
