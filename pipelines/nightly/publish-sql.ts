/**
 * What the nightly run publishes (contracts/published-run.ts), as SELECTs over the run's score
 * tables, the run's segment run and the latest graph run. `$value` (value per conversion),
 * `$versions` (JSON of model versions) and `$segments` (the segment version of the run's own
 * snapshot) are rendered by nightly.ts from computed values.
 */
const LATEST_SEGMENTS = '$segments';
const LATEST_GRAPH = '(SELECT max(graph_run_id) FROM customer_graph)';

export const SCORES_SQL = `
  SELECT c.customer_id,
         c.p_convert,
         a.p_answer,
         list_filter([a.h1, a.h2, a.h3], h -> h >= 0) AS best_hours,
         s.segment_id,
         p.name AS segment_name,
         $value * c.p_convert * list_max(a.p_answer) AS expected_value,
         from_json(c.reasons, '["VARCHAR"]') AS reasons,
         $versions::JSON AS model_versions
  FROM nightly_scores_conv c
  JOIN nightly_scores_contact a USING (customer_id)
  LEFT JOIN customer_segments s ON s.customer_id = c.customer_id AND s.version = ${LATEST_SEGMENTS}
  LEFT JOIN segment_profiles p ON p.segment_id = s.segment_id AND p.version = s.version
  ORDER BY c.customer_id`;

export const LEADS_SQL = `
  SELECT cu.customer_id, cu.phone_e164, cu.phone_hash, cu.timezone, cu.country, cu.name, cu.consent, cu.dnc,
         g.blocked_reason,
         to_json({
           customer_name: cu.name,
           first_name: split_part(cu.name, ' ', 1),
           balance: cu.balance,
           amount: cu.balance,
           segment_name: p.name
         })::VARCHAR AS variables
  FROM customers cu
  JOIN nightly_scores_conv sc ON sc.customer_id = cu.customer_id
  LEFT JOIN customer_graph g ON g.customer_id = cu.customer_id AND g.graph_run_id = ${LATEST_GRAPH}
  LEFT JOIN customer_segments s ON s.customer_id = cu.customer_id AND s.version = ${LATEST_SEGMENTS}
  LEFT JOIN segment_profiles p ON p.segment_id = s.segment_id AND p.version = s.version
  WHERE cu.phone_e164 IS NOT NULL
  ORDER BY cu.customer_id`;

export const SEGMENTS_SQL = `
  SELECT segment_id, name AS segment_name, size, share, answer_rate, conversion_rate, best_hours,
         feature_z::VARCHAR AS profile
  FROM segment_profiles WHERE version = ${LATEST_SEGMENTS}
  ORDER BY segment_id`;
