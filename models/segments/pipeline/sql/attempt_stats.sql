-- Call attempts before the snapshot's as-of of each segment's customers (one run's version),
-- counted per segment and customer-local hour of the week (Monday 00:00 = 0 … Sunday 23:00 =
-- 167, in the customer's IANA zone). Local time is the UTC time plus the zone's offset, and
-- the offset is asked of ICU once per distinct (zone, UTC hour) — not once per attempt, which
-- costs microseconds a row on big call logs. Zones change offset on whole UTC hours (the
-- half-hour zones too), so the hour's offset holds for every attempt in it.
-- Times are microseconds since the epoch; 1970-01-01 was a Thursday, so (local day + 3) % 7
-- gives Monday = 0.
WITH seg AS (
  SELECT s.customer_id, s.segment_id, coalesce(c.timezone, 'UTC') AS timezone
  FROM customer_segments s
  LEFT JOIN customers c ON c.customer_id = s.customer_id
  WHERE s.version = $version
),
att AS (
  SELECT seg.segment_id, seg.timezone, epoch_us(a.started_at) AS t,
         a.disposition = 'answered' AS answered, coalesce(a.converted, false) AS converted
  FROM call_attempts a
  JOIN seg ON seg.customer_id = a.customer_id
  WHERE a.started_at < $as_of
),
zone_hours AS (
  SELECT DISTINCT timezone, t // 3600000000 AS h FROM att
),
offsets AS (
  SELECT timezone, h, epoch_us(timezone(timezone, make_timestamptz(h * 3600000000))) - h * 3600000000 AS off
  FROM zone_hours
),
local AS (
  SELECT att.segment_id, att.answered, att.converted, att.t + o.off AS lt
  FROM att
  JOIN offsets o ON o.timezone = att.timezone AND o.h = att.t // 3600000000
)
SELECT segment_id,
       (((lt // 86400000000 + 3) % 7) * 24 + (lt % 86400000000) // 3600000000)::INTEGER AS how,
       count(*)              AS attempts,
       count_if(answered)    AS answered,
       count_if(converted)   AS conversions
FROM local
GROUP BY segment_id, how
ORDER BY segment_id, how
