CREATE TABLE steps AS
SELECT s.run_id, s.step, s.position, s.attempt, s.status, s.started_at, s.seconds, s.rows, s.error
FROM src.pipeline_steps s SEMI JOIN runs r ON r.run_id = s.run_id;
