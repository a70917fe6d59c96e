-- __priors: population answer rates for every (spine day, occupation, hour-of-week block),
-- from attempts before that UTC day began (days are UTC day numbers). Day-level, so a
-- training spine with millions of as-of times needs one prior per day, and a prior never
-- sees its as-of day itself.
--   global_rate = (answered + 1) / (attempts + 2)                       everyone, all blocks
--   block_rate  = (answered_b + 20 * global_rate) / (attempts_b + 20)    everyone, block b
--   prior_rate  = (answered_ob + 50 * block_rate) / (attempts_ob + 50)   occupation o, block b
-- The numbers 20 and 50 are PRIORS.hourOfWeekBlock / hourOfWeekOccupation in registry.ts.
WITH spine_days AS (
  SELECT DISTINCT day FROM __spine
),
daily AS (
  SELECT day, occ_id, blk, count(*) AS att, count_if(answered) AS ans
  FROM __attempts
  WHERE blk IS NOT NULL
  GROUP BY ALL
),
cumulative AS (
  SELECT day, occ_id, blk,
         sum(att) OVER w AS att,
         sum(ans) OVER w AS ans
  FROM daily
  WINDOW w AS (PARTITION BY occ_id, blk ORDER BY day)
),
grid AS (
  SELECT d.day, o.occ_id, b.range::TINYINT AS blk
  FROM spine_days d CROSS JOIN __occupations o CROSS JOIN range(42) b
),
before_day AS (
  -- the latest cumulative count strictly before each spine day
  SELECT g.day, g.occ_id, g.blk, coalesce(c.att, 0) AS att, coalesce(c.ans, 0) AS ans
  FROM grid g
  ASOF LEFT JOIN cumulative c ON c.occ_id = g.occ_id AND c.blk = g.blk AND g.day > c.day
),
global_rate AS (
  SELECT day, (sum(ans) + 1) / (sum(att) + 2) AS global_rate FROM before_day GROUP BY day
),
block_rate AS (
  SELECT b.day, b.blk, (sum(b.ans) + 20 * any_value(g.global_rate)) / (sum(b.att) + 20) AS block_rate,
         any_value(g.global_rate) AS global_rate
  FROM before_day b JOIN global_rate g USING (day)
  GROUP BY b.day, b.blk
)
SELECT o.day, n.occupation, o.blk, r.global_rate, r.block_rate,
       (o.ans + 50 * r.block_rate) / (o.att + 50) AS prior_rate
FROM before_day o
JOIN __occupations n ON n.occ_id = o.occ_id
JOIN block_rate r ON r.day = o.day AND r.blk = o.blk
