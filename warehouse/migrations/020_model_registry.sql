-- Model registry (models/registry): every trained model is a version; aliases (champion,
-- challenger) point at versions per kind, with an append-only history so `rollback` can restore
-- the previous champion; evaluations and gate decisions are kept for audit.
-- Artifacts live on disk under <data-dir>/models/<kind>/<version>/; artifact_path is relative
-- to <data-dir>/models so a data directory can be moved.

CREATE TABLE model_versions (
  version           VARCHAR PRIMARY KEY,          -- e.g. conversion-20240601-021500-3fa9c1
  kind              VARCHAR NOT NULL,             -- conversion | contact | conversion@<table>
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  algorithm         VARCHAR NOT NULL,             -- xgboost | tfjs
  params            JSON NOT NULL,                -- training parameters as used
  source            VARCHAR NOT NULL,             -- call_attempts | table:<name>
  train_from        TIMESTAMPTZ,                  -- training window [train_from, train_to)
  train_to          TIMESTAMPTZ,
  valid_from        TIMESTAMPTZ,                  -- out-of-time validation window [valid_from, valid_to)
  valid_to          TIMESTAMPTZ,
  training_window   JSON NOT NULL,                -- the above plus as-of, gate window, row counts
  features          JSON NOT NULL,                -- feature names (and types) in model column order
  feature_hash      VARCHAR NOT NULL,             -- sha256 of the feature list and encodings
  feature_set_hash  VARCHAR,                      -- features/ definitions hash (featureSetHash())
  metrics           JSON NOT NULL,
  artifact_path     VARCHAR NOT NULL,
  run_id            VARCHAR NOT NULL,             -- this training run
  parent_run        VARCHAR,                      -- the run that asked for it (e.g. a nightly run)
  parent_version    VARCHAR,                      -- champion of the kind when it was trained
  description       VARCHAR
);

CREATE TABLE model_aliases (
  kind         VARCHAR NOT NULL,
  alias        VARCHAR NOT NULL CHECK (alias IN ('champion', 'challenger')),
  version      VARCHAR NOT NULL,
  assigned_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, alias)
);

CREATE SEQUENCE model_alias_event_seq START 1;

-- Every alias change, oldest first. The champion line is replayed from it: promote pushes a
-- version, rollback pops one, so rollback always restores the champion before the current one.
CREATE TABLE model_alias_history (
  event_id          BIGINT PRIMARY KEY,
  kind              VARCHAR NOT NULL,
  alias             VARCHAR NOT NULL,
  action            VARCHAR NOT NULL CHECK (action IN ('promote', 'rollback', 'set', 'clear')),
  version           VARCHAR,                      -- the alias after the change (null: cleared)
  previous_version  VARCHAR,                      -- the alias before the change
  reason            VARCHAR,
  details           JSON,
  changed_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE model_evaluation_seq START 1;

-- A version scored on a window it may not have seen (the gate's fresh out-of-time window).
CREATE TABLE model_evaluations (
  evaluation_id  BIGINT PRIMARY KEY,
  version        VARCHAR NOT NULL,
  kind           VARCHAR NOT NULL,
  window_from    TIMESTAMPTZ,
  window_to      TIMESTAMPTZ,
  rows           BIGINT NOT NULL,
  metrics        JSON NOT NULL,
  purpose        VARCHAR NOT NULL,                -- gate | manual
  evaluated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE model_gate_seq START 1;

CREATE TABLE model_gate_decisions (
  gate_id          BIGINT PRIMARY KEY,
  kind             VARCHAR NOT NULL,
  candidate        VARCHAR NOT NULL,
  champion         VARCHAR,                       -- null: there was none
  window_from      TIMESTAMPTZ,
  window_to        TIMESTAMPTZ,
  metric           VARCHAR NOT NULL,
  margin           DOUBLE NOT NULL,
  candidate_value  DOUBLE,
  champion_value   DOUBLE,
  promoted         BOOLEAN NOT NULL,
  reason           VARCHAR NOT NULL,
  decided_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
