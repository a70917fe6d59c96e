-- __occupations: a small integer id per occupation (null is '(none)'), so the 20M-row attempts
-- table carries a SMALLINT rather than a string through its sort and the priors' GROUP BY.
SELECT occupation, (row_number() OVER (ORDER BY occupation))::SMALLINT AS occ_id
FROM (
  SELECT DISTINCT coalesce(occupation, '(none)') AS occupation FROM customers
  UNION
  SELECT '(none)'
)
