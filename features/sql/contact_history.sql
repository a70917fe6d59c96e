-- Family contact_history: the customer's earlier attempts (from __history, i.e. started
-- strictly before as-of) and opt-outs known before as-of.
--   answer_rate_smoothed = (answered + 10 p) / (attempts + 10): the posterior mean under a
--   Beta(10 p, 10 (1 - p)) prior, p = the population rate before the as-of day (__priors),
--   so two answered calls give about 40 %, not 100 %. 10 = PRIORS.answerRate in registry.ts.
-- Times are microseconds since the epoch (see prepare/attempts.sql); a day is 86400000000.
WITH agg AS (
  SELECT spine_id,
         count(*)                                                  AS attempts_total,
         count_if(answered)                                        AS answered_total,
         count_if(t >= as_of_t - 7 * 86400000000)                  AS attempts_7d,
         count_if(answered AND t >= as_of_t - 7 * 86400000000)     AS answered_7d,
         count_if(t >= as_of_t - 30 * 86400000000)                 AS attempts_30d,
         count_if(answered AND t >= as_of_t - 30 * 86400000000)    AS answered_30d,
         count_if(t >= as_of_t - 90 * 86400000000)                 AS attempts_90d,
         count_if(answered AND t >= as_of_t - 90 * 86400000000)    AS answered_90d,
         max(t)                                                    AS last_attempt_t,
         max(t) FILTER (WHERE answered)                            AS last_answer_t,
         bool_or(opted_out)                                        AS opted_out_in_call
  FROM __history
  GROUP BY spine_id
),
streak AS (
  -- attempts after the last answered one (all of them when none was answered)
  SELECT h.spine_id, count(*) AS unanswered
  FROM __history h JOIN agg g ON g.spine_id = h.spine_id
  WHERE g.last_answer_t IS NULL OR h.t > g.last_answer_t
  GROUP BY h.spine_id
),
opt_outs AS (
  -- opt-out / do-not-call entries on the customer or on the customer's number
  SELECT s.spine_id FROM __spine s
  JOIN consents k ON k.customer_id = s.customer_id AND epoch_us(k.effective_at) < s.t
  WHERE k.kind IN ('opt_out', 'dnc')
  UNION
  SELECT s.spine_id FROM __spine s
  JOIN customers c ON c.customer_id = s.customer_id
  JOIN consents k ON k.phone_hash = c.phone_hash AND epoch_us(k.effective_at) < s.t
  WHERE k.kind IN ('opt_out', 'dnc')
),
prior AS (
  SELECT DISTINCT day, global_rate FROM __priors
)
SELECT
  s.spine_id,
  coalesce(g.attempts_7d, 0)::INTEGER    AS attempts_7d,
  coalesce(g.answered_7d, 0)::INTEGER    AS answered_7d,
  coalesce(g.attempts_30d, 0)::INTEGER   AS attempts_30d,
  coalesce(g.answered_30d, 0)::INTEGER   AS answered_30d,
  coalesce(g.attempts_90d, 0)::INTEGER   AS attempts_90d,
  coalesce(g.answered_90d, 0)::INTEGER   AS answered_90d,
  coalesce(g.attempts_total, 0)::INTEGER AS attempts_total,
  coalesce(g.answered_total, 0)::INTEGER AS answered_total,
  (coalesce(g.answered_total, 0) + 10 * p.global_rate) / (coalesce(g.attempts_total, 0) + 10) AS answer_rate_smoothed,
  (s.t - g.last_attempt_t) / 86400000000 AS days_since_last_attempt,
  (s.t - g.last_answer_t) / 86400000000  AS days_since_last_answer,
  coalesce(k.unanswered, 0)::INTEGER     AS consecutive_unanswered,
  coalesce(g.opted_out_in_call, false)
    OR o.spine_id IS NOT NULL
    OR coalesce(c.dnc AND coalesce(epoch_us(c.updated_at), epoch_us(c.created_at), -9223372036854775807) < s.t, false) AS opted_out
FROM __spine s
LEFT JOIN agg g ON g.spine_id = s.spine_id
LEFT JOIN streak k ON k.spine_id = s.spine_id
LEFT JOIN (SELECT DISTINCT spine_id FROM opt_outs) o ON o.spine_id = s.spine_id
LEFT JOIN customers c ON c.customer_id = s.customer_id
LEFT JOIN prior p ON p.day = s.day
