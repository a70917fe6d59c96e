-- Family profile: the customer's CRM record. The warehouse keeps only the current record
-- (no history), so these are the latest known values, with two point-in-time corrections:
-- tenure is aged from the record's own time to as-of, and consent follows the latest
-- consent change (consents table) before as-of when there is one.
-- Times: s.t is as-of in microseconds since the epoch (see prepare/attempts.sql).
WITH consent_changes AS (
  SELECT s.spine_id, arg_max(k.kind = 'consent_granted', k.effective_at) AS granted
  FROM __spine s
  JOIN consents k ON k.customer_id = s.customer_id AND epoch_us(k.effective_at) < s.t
  WHERE k.kind IN ('consent_granted', 'consent_withdrawn')
  GROUP BY s.spine_id
)
SELECT
  s.spine_id,
  CASE
    WHEN c.age IS NULL THEN NULL
    WHEN c.age < 18 THEN '<18'
    WHEN c.age < 25 THEN '18-24'
    WHEN c.age < 35 THEN '25-34'
    WHEN c.age < 45 THEN '35-44'
    WHEN c.age < 55 THEN '45-54'
    WHEN c.age < 65 THEN '55-64'
    ELSE '65+'
  END AS age_band,
  c.occupation,
  c.region,
  c.income_band,
  CASE WHEN c.tenure_months IS NOT NULL THEN
    greatest(0, c.tenure_months + trunc(
      (s.t - coalesce(epoch_us(c.updated_at), epoch_us(c.created_at), s.t)) / 86400000000 / 30.4375))::INTEGER
  END AS tenure_months,
  c.balance,
  coalesce(k.granted, c.consent) AS consent
FROM __spine s
LEFT JOIN customers c ON c.customer_id = s.customer_id
LEFT JOIN consent_changes k ON k.spine_id = s.spine_id
