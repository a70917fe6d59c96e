-- __tz_offsets: the UTC offset of every customer time zone on every UTC day with attempts
-- (before the latest as-of), so local times need no per-attempt ICU call. timezone(zone, ts)
-- is asked for the offset at the day's start (off0) and end (off1); on the rare days where
-- the two differ (a DST change) also per 15-minute slot, to find when the new offset starts
-- (switch_t; every real zone changes offset at most once a day, on a 15-minute boundary).
-- ICU costs several µs a call: zones × days calls, not one per attempt. A table of its own
-- (small, exact row count) so the planner builds the attempts join on it.
-- Times are microseconds since the epoch; d is the UTC day number.
WITH days AS (
  SELECT DISTINCT epoch_us(started_at) // 86400000000 AS d
  FROM call_attempts
  WHERE started_at < $max_as_of
),
zones AS (
  SELECT timezone, (row_number() OVER (ORDER BY timezone))::SMALLINT AS tz_id
  FROM (SELECT DISTINCT timezone FROM customers WHERE timezone IS NOT NULL)
),
zone_days AS (
  SELECT z.tz_id, z.timezone, d.d,
         epoch_us(timezone(z.timezone, make_timestamptz(d.d * 86400000000))) - d.d * 86400000000 AS off0,
         epoch_us(timezone(z.timezone, make_timestamptz((d.d + 1) * 86400000000))) - (d.d + 1) * 86400000000 AS off1
  FROM zones z CROSS JOIN days d
),
switches AS (
  SELECT z.tz_id, z.d, min(z.d * 86400000000 + s.range * 900000000) AS switch_t
  FROM zone_days z CROSS JOIN range(96) s
  WHERE z.off0 <> z.off1
    AND epoch_us(timezone(z.timezone, make_timestamptz(z.d * 86400000000 + s.range * 900000000)))
        - (z.d * 86400000000 + s.range * 900000000) = z.off1
  GROUP BY z.tz_id, z.d
)
SELECT z.tz_id, z.timezone, z.d, z.off0, z.off1, coalesce(w.switch_t, 9223372036854775807) AS switch_t
FROM zone_days z
LEFT JOIN switches w ON w.tz_id = z.tz_id AND w.d = z.d
