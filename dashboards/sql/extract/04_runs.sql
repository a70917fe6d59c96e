-- The most recent pipeline runs and their steps (the runs page shows at most 100).
CREATE TABLE runs AS
SELECT run_id, kind, as_of, started_at, finished_at, status, published, error
FROM src.pipeline_runs ORDER BY started_at DESC LIMIT 1000;
