-- Retention: the nightly run keeps the customer-level rows (one per customer per run) of the
-- latest feature snapshots, graph runs and segment runs only; older runs keep their summary
-- rows (statistics, counts, centroids, profiles) and say when their customer rows went.
-- Without it a 1M-customer warehouse grows by a full copy of every customer each night.
ALTER TABLE feature_snapshots ADD COLUMN rows_dropped_at TIMESTAMPTZ;
ALTER TABLE graph_runs ADD COLUMN rows_dropped_at TIMESTAMPTZ;
ALTER TABLE segment_runs ADD COLUMN rows_dropped_at TIMESTAMPTZ;
