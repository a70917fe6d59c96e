-- Model versions with their stored metrics (JSON text, parsed per request and cached) and aliases.
CREATE TABLE models AS
SELECT v.version, v.kind, v.algorithm, v.created_at, v.train_from, v.train_to, v.valid_from, v.valid_to,
       v.metrics::VARCHAR AS metrics,
       coalesce(bool_or(a.alias = 'champion'), false) AS champion,
       coalesce(bool_or(a.alias = 'challenger'), false) AS challenger
FROM src.model_versions v
LEFT JOIN src.model_aliases a ON a.version = v.version
GROUP BY ALL;
