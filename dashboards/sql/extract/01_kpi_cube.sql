-- Campaign KPIs pre-aggregated by campaign × UTC day × the callee's local hour × segment, so
-- every filter combination of the campaign pages is a small GROUP BY over this cube.
-- Segments are those of the segment run in force; hours are in the customer's own zone.
CREATE TABLE kpi_cube AS
WITH seg AS (
  SELECT customer_id, segment_id FROM src.customer_segments
  WHERE version = (SELECT version FROM src.segment_runs ORDER BY run_seq DESC LIMIT 1)
)
SELECT coalesce(a.campaign_id, '(none)') AS campaign_id,
       CAST(a.started_at AS DATE) AS day,
       CAST(hour(timezone(c.timezone, a.started_at)) AS INTEGER) AS local_hour,
       s.segment_id,
       count(*) AS dials,
       count(*) FILTER (WHERE a.disposition = 'answered') AS answered,
       count(*) FILTER (WHERE a.disposition = 'answered' AND a.converted) AS converted,
       count(*) FILTER (WHERE a.disposition = 'abandoned') AS abandoned,
       coalesce(sum(a.talk_seconds) FILTER (WHERE a.disposition = 'answered'), 0) AS talk_seconds
FROM src.call_attempts a
JOIN src.customers c USING (customer_id)
LEFT JOIN seg s USING (customer_id)
GROUP BY ALL;
