-- Family rfm: recency, frequency and monetary value from behaviour events before as_of
-- (frequency and monetary over the 365 days before it), scored 1-5 against the
-- population's quintile breakpoints for the as-of day (__rfm_breakpoints). A score counts
-- the breakpoints the value is above (recency: below, so 5 = most recent); no events at all
-- scores R = 1.
-- Times are microseconds since the epoch (see prepare/attempts.sql).
WITH ev AS (
  SELECT s.spine_id,
         max(e.t)                                                     AS last_t,
         count(*) FILTER (WHERE e.t >= s.t - 365 * 86400000000)       AS frequency,
         sum(e.value) FILTER (WHERE e.t >= s.t - 365 * 86400000000)   AS monetary
  FROM __spine s
  JOIN (SELECT customer_id, epoch_us(ts) AS t, value FROM events) e ON e.customer_id = s.customer_id AND e.t < s.t
  GROUP BY s.spine_id
),
v AS (
  SELECT s.spine_id, s.day,
         (s.t - ev.last_t) / 86400000000              AS recency,
         coalesce(ev.frequency, 0)                      AS frequency,
         coalesce(ev.monetary, 0)                       AS monetary
  FROM __spine s
  LEFT JOIN ev ON ev.spine_id = s.spine_id
)
SELECT
  v.spine_id,
  v.recency                AS rfm_recency_days,
  v.frequency::INTEGER     AS rfm_frequency,
  v.monetary               AS rfm_monetary,
  CASE WHEN v.recency IS NULL THEN 1 ELSE 5
    - coalesce(v.recency > b.r_q[1], false)::INTEGER
    - coalesce(v.recency > b.r_q[2], false)::INTEGER
    - coalesce(v.recency > b.r_q[3], false)::INTEGER
    - coalesce(v.recency > b.r_q[4], false)::INTEGER
  END                      AS rfm_r_score,
  1 + coalesce(v.frequency > b.f_q[1], false)::INTEGER
    + coalesce(v.frequency > b.f_q[2], false)::INTEGER
    + coalesce(v.frequency > b.f_q[3], false)::INTEGER
    + coalesce(v.frequency > b.f_q[4], false)::INTEGER AS rfm_f_score,
  1 + coalesce(v.monetary > b.m_q[1], false)::INTEGER
    + coalesce(v.monetary > b.m_q[2], false)::INTEGER
    + coalesce(v.monetary > b.m_q[3], false)::INTEGER
    + coalesce(v.monetary > b.m_q[4], false)::INTEGER  AS rfm_m_score
FROM v
LEFT JOIN __rfm_breakpoints b ON b.day = v.day
