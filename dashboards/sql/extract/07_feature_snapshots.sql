CREATE TABLE feature_snapshots AS
SELECT snapshot_id, as_of, row_count, feature_count FROM src.feature_snapshots;
