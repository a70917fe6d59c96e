-- The nightly run's log: one row per run and one per step attempt, so `dialwise runs` can show
-- status, timing, row counts and errors, and a failed step can be retried.
CREATE TABLE pipeline_runs (
  run_id        VARCHAR PRIMARY KEY,
  kind          VARCHAR NOT NULL,
  as_of         TIMESTAMPTZ NOT NULL,
  started_at    TIMESTAMPTZ NOT NULL,
  finished_at   TIMESTAMPTZ,
  status        VARCHAR NOT NULL CHECK (status IN ('running','succeeded','failed')),
  published     BOOLEAN NOT NULL DEFAULT false,
  error         VARCHAR,
  summary       JSON
);

CREATE TABLE pipeline_steps (
  run_id        VARCHAR NOT NULL,
  step          VARCHAR NOT NULL,
  position      INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,
  status        VARCHAR NOT NULL CHECK (status IN ('running','succeeded','failed','skipped')),
  started_at    TIMESTAMPTZ NOT NULL,
  finished_at   TIMESTAMPTZ,
  seconds       DOUBLE,
  rows          BIGINT,
  detail        JSON,
  error         VARCHAR
);
