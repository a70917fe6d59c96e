-- __attempts: every call attempt that started before the latest as-of in the spine, with the
-- few pre-computed columns the families need. Nothing here filters per spine row; the
-- point-in-time cut (t < as-of) is applied per row in history.sql and priors.sql.
--   ck:  the spine's integer key of the customer (__spine_keys; null if not in the spine).
--        Rows are stored ordered by ck, so the per-spine-row aggregates downstream read each
--        customer's attempts together: the sort costs less than it saves (at 20M attempts,
--        ~10 s against ~17 s in the hour-of-week and contact-history aggregates).
--   occ_id: the customer's occupation (__occupations), for the population priors.
--   t:   started_at as microseconds since the epoch (UTC). Times are compared and subtracted
--        as integers: TIMESTAMPTZ arithmetic goes through ICU and costs ~0.6 µs a row.
--   day: UTC day number (days since 1970-01-01), for day-level priors.
--   blk: the customer's local hour-of-week block, (ISO day - 1) * 6 + local hour / 4, so
--        Monday 00:00-04:00 local is 0 and Sunday 20:00-24:00 is 41; local time is t plus
--        the zone's UTC offset that day (__tz_offsets, DST included). 1970-01-01 was a
--        Thursday: (local day + 3) % 7 gives Monday = 0.
WITH zones AS (
  SELECT DISTINCT timezone, tz_id FROM __tz_offsets
),
cust AS (
  SELECT coalesce(c.customer_id, k.customer_id) AS customer_id, k.ck, z.tz_id, o.occ_id
  FROM customers c
  FULL JOIN __spine_keys k ON k.customer_id = c.customer_id
  LEFT JOIN zones z ON z.timezone = c.timezone
  LEFT JOIN __occupations o ON o.occupation = coalesce(c.occupation, '(none)')
),
base AS (
  SELECT cu.ck, cu.tz_id, cu.occ_id,
         epoch_us(a.started_at)                            AS t,
         a.disposition = 'answered'                        AS answered,
         coalesce(a.converted, false)                      AS converted,
         CASE WHEN a.converted THEN a.conversion_value END AS conversion_value,
         coalesce(a.opted_out, false)                      AS opted_out
  FROM call_attempts a
  JOIN cust cu ON cu.customer_id = a.customer_id
  WHERE a.started_at < $max_as_of  -- the latest as-of in the spine (bound by the engine)
),
local AS (
  SELECT b.*, b.t + CASE WHEN b.t < o.switch_t THEN o.off0 ELSE o.off1 END AS lt
  FROM base b
  LEFT JOIN __tz_offsets o ON o.tz_id = b.tz_id AND o.d = b.t // 86400000000
)
SELECT
  ck,
  t,
  (t // 86400000000)::INTEGER                                                       AS day,
  answered,
  converted,
  conversion_value,
  opted_out,
  (((lt // 86400000000 + 3) % 7) * 6 + (lt % 86400000000) // 14400000000)::TINYINT AS blk,
  occ_id
FROM local
ORDER BY ck
