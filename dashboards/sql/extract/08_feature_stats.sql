-- Stats of the two latest snapshots only: the features page shows the latest, drift compares it with the one before.
CREATE TABLE feature_stats AS
SELECT snapshot_id, feature, family, type, rows, null_share, mean, std, min, max, distinct_count,
       histogram::VARCHAR AS histogram
FROM src.feature_stats
WHERE snapshot_id IN (SELECT snapshot_id FROM src.feature_snapshots ORDER BY snapshot_id DESC LIMIT 2);
