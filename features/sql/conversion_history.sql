-- Family conversion_history: conversions on the customer's earlier calls (from __history,
-- so the current attempt's own outcome is never counted).
-- Times are microseconds since the epoch (see prepare/attempts.sql).
WITH agg AS (
  SELECT spine_id,
         count(*)              AS conversions_total,
         sum(conversion_value) AS conversion_value_total,
         max(t)                AS last_conversion_t
  FROM __history
  WHERE converted
  GROUP BY spine_id
)
SELECT
  s.spine_id,
  coalesce(g.conversions_total, 0)::INTEGER AS conversions_total,
  coalesce(g.conversion_value_total, 0)     AS conversion_value_total,
  (s.t - g.last_conversion_t) / 86400000000 AS days_since_last_conversion
FROM __spine s
LEFT JOIN agg g ON g.spine_id = s.spine_id
