-- Customer segments (models/segments/pipeline): one K-Means run per version, over one feature
-- snapshot. A run is written in one transaction (segment_runs, customer_segments and
-- segment_profiles together), so the run in force is simply the latest row of segment_runs.
-- Segment ids are stable across runs: each run's centroids are matched to the previous run's
-- (Hungarian assignment on centroid distance); ids are never reused for a different group.

CREATE SEQUENCE segment_run_seq START 1;

CREATE TABLE segment_runs (
  version           VARCHAR PRIMARY KEY,   -- segments-20240610-021500-3fa9c1
  run_seq           BIGINT NOT NULL UNIQUE, -- order of runs; the highest is in force
  snapshot_id       BIGINT NOT NULL,
  as_of             TIMESTAMPTZ NOT NULL,  -- the snapshot's as-of time
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  previous_version  VARCHAR,               -- the run whose ids were carried over (null: fresh ids)
  k                 INTEGER NOT NULL,
  rows              BIGINT NOT NULL,
  -- model columns in order: [{name, source, encoding, transform, weight, categories?}, …]
  features          JSON NOT NULL,
  feature_hash      VARCHAR NOT NULL,      -- sha256 of `features`: equal hash = comparable centroids
  feature_set_hash  VARCHAR,               -- features/ definitions hash of the snapshot
  scaler            JSON NOT NULL,         -- {columns, mean, std} of the (transformed) columns
  -- [{segment_id, centroid: [...]}] in the model space: standardised, times each column's weight
  centroids         JSON NOT NULL,
  curve             JSON,                  -- [{k, silhouette, inertia}] when k was chosen, else null
  silhouette        DOUBLE,                -- on the sample, at the chosen k
  inertia           DOUBLE,
  -- {previous_version, matched, reason, segments: [{segment_id, moved}], new, retired, kept_share …}
  movement          JSON NOT NULL,
  retired_segments  INTEGER[] NOT NULL,    -- ids of the previous run that matched nothing
  next_segment_id   INTEGER NOT NULL,      -- first id a later run may hand out
  params            JSON NOT NULL,         -- k range or fixed k, nInit, seed, sample size …
  fit_seconds       DOUBLE
);

-- One row per customer of the snapshot. No primary-key index on purpose (see 001_core.sql):
-- written once per version with the bulk appender, read by version.
CREATE TABLE customer_segments (
  version      VARCHAR NOT NULL,
  customer_id  VARCHAR NOT NULL,
  segment_id   INTEGER NOT NULL,
  distance     DOUBLE NOT NULL           -- Euclidean distance to the segment's centroid (model space)
);

CREATE TABLE segment_profiles (
  version          VARCHAR NOT NULL,
  segment_id       INTEGER NOT NULL,
  name             VARCHAR NOT NULL,     -- e.g. "Retired · morning answerers · high balance"
  size             BIGINT NOT NULL,
  share            DOUBLE NOT NULL,
  -- per input feature, in its own units: mean of numeric/boolean, {category: share} of categorical
  feature_means    JSON NOT NULL,
  -- per model column: z-score of the segment mean against the whole snapshot (for a heatmap)
  feature_z        JSON NOT NULL,
  -- call attempts before the snapshot's as-of, of this segment's customers
  attempts         BIGINT NOT NULL,
  answered         BIGINT NOT NULL,
  conversions      BIGINT NOT NULL,
  answer_rate      DOUBLE,               -- answered / attempts (null: never called)
  conversion_rate  DOUBLE,               -- conversions / answered (null: never answered)
  best_hours       INTEGER[] NOT NULL,   -- local hour-of-week (Monday 00:00 = 0), best first
  mean_distance    DOUBLE NOT NULL,
  moved            DOUBLE,               -- centroid movement since the previous run (null: new)
  PRIMARY KEY (version, segment_id)
);
