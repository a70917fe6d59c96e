-- __rfm_breakpoints: quintile breakpoints (20/40/60/80 %, inverted-CDF quantiles) of
-- recency, frequency and monetary value for each spine day, over the customers that existed
-- when that UTC day began, measured from that moment with events before it. Each spine row is
-- scored against its own day's breakpoints, so a training row and a snapshot at the same
-- time agree, and nothing after the as-of day can move a score.
-- A deterministic sample of about 10,000 customers per day keeps this cheap: a customer is in
-- it when hash(customer_id) falls in the lowest 10,000/n of the hash range (n = customers
-- existing that day), so membership depends only on the customer and n, not on later rows.
-- Times are microseconds since the epoch (see attempts.sql); day * 86400000000 is the day's start.
WITH spine_days AS (
  SELECT DISTINCT day, day::BIGINT * 86400000000 AS day_t FROM __spine
),
population AS (
  SELECT customer_id,
         coalesce(epoch_us(created_at), -9223372036854775807) AS created_t,
         (hash(customer_id) % 1000000)::DOUBLE / 1000000.0 AS u
  FROM customers
),
day_size AS (
  SELECT d.day, d.day_t, count(p.customer_id) AS n
  FROM spine_days d LEFT JOIN population p ON p.created_t < d.day_t
  GROUP BY d.day, d.day_t
),
sampled AS (
  SELECT z.day, z.day_t, p.customer_id
  FROM day_size z JOIN population p ON p.created_t < z.day_t
  WHERE p.u < 10000.0 / greatest(z.n, 1)
),
sample_rfm AS (
  SELECT m.day, m.customer_id,
         (any_value(m.day_t) - max(epoch_us(e.ts))) / 86400000000                                      AS recency_days,
         count(e.ts) FILTER (WHERE epoch_us(e.ts) >= m.day_t - 365 * 86400000000)                      AS frequency,
         coalesce(sum(e.value) FILTER (WHERE epoch_us(e.ts) >= m.day_t - 365 * 86400000000), 0)        AS monetary
  FROM sampled m
  LEFT JOIN events e ON e.customer_id = m.customer_id AND epoch_us(e.ts) < m.day_t
  GROUP BY m.day, m.customer_id
)
SELECT day,
       quantile_disc(recency_days, [0.2, 0.4, 0.6, 0.8])::DOUBLE[] AS r_q,
       quantile_disc(frequency,    [0.2, 0.4, 0.6, 0.8])::DOUBLE[] AS f_q,
       quantile_disc(monetary,     [0.2, 0.4, 0.6, 0.8])::DOUBLE[] AS m_q,
       count(*)                                                    AS sample_size
FROM sample_rfm
GROUP BY day
