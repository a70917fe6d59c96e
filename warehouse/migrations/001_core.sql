-- Core tables of the call-centre warehouse (DESIGN.md, "Data contracts").
-- Timestamps are TIMESTAMPTZ stored in UTC. call_attempts and events carry no primary-key
-- index on purpose: an ART index over tens of millions of keys costs more memory and load
-- time than it saves; ingest keeps their keys unique with a set-based anti-join.

CREATE TABLE customers (
  customer_id    VARCHAR PRIMARY KEY,
  name           VARCHAR,
  phone_e164     VARCHAR,
  phone_hash     VARCHAR,
  timezone       VARCHAR NOT NULL,
  country        VARCHAR,
  region         VARCHAR,
  age            INTEGER,
  gender         VARCHAR,
  occupation     VARCHAR,
  income_band    VARCHAR,
  tenure_months  INTEGER,
  balance        DOUBLE,
  consent        BOOLEAN NOT NULL DEFAULT false,
  dnc            BOOLEAN NOT NULL DEFAULT false,
  attributes     JSON,
  created_at     TIMESTAMPTZ,
  updated_at     TIMESTAMPTZ,
  source         VARCHAR,
  ingest_run_id  VARCHAR
);

CREATE TABLE events (
  event_id       VARCHAR NOT NULL,
  customer_id    VARCHAR NOT NULL,
  ts             TIMESTAMPTZ NOT NULL,
  type           VARCHAR NOT NULL,
  value          DOUBLE,
  source         VARCHAR,
  ingest_run_id  VARCHAR
);

CREATE TABLE campaigns (
  campaign_id    VARCHAR PRIMARY KEY,
  name           VARCHAR,
  objective      VARCHAR,
  created_at     TIMESTAMPTZ,
  attributes     JSON
);

CREATE TABLE call_attempts (
  attempt_id       VARCHAR NOT NULL,
  campaign_id      VARCHAR,
  customer_id      VARCHAR NOT NULL,
  phone_hash       VARCHAR,
  started_at       TIMESTAMPTZ NOT NULL,
  disposition      VARCHAR NOT NULL CHECK (disposition IN
                   ('answered','no_answer','busy','invalid_number','voicemail','rejected','abandoned','failed')),
  ring_seconds     DOUBLE CHECK (ring_seconds >= 0),
  talk_seconds     DOUBLE CHECK (talk_seconds >= 0),
  converted        BOOLEAN,
  conversion_value DOUBLE,
  opted_out        BOOLEAN,
  handled_by       VARCHAR CHECK (handled_by IN ('robot','agent')),
  transferred      BOOLEAN,
  arm              VARCHAR CHECK (arm IN ('model','explore','holdout')),
  propensity       DOUBLE CHECK (propensity > 0 AND propensity <= 1),
  model_versions   JSON,
  source           VARCHAR,
  ingest_run_id    VARCHAR
);

-- Opt-outs, do-not-call entries and consent changes, each with when and where it came from.
CREATE TABLE consents (
  consent_id     VARCHAR NOT NULL,
  customer_id    VARCHAR,
  phone_hash     VARCHAR,
  kind           VARCHAR NOT NULL CHECK (kind IN ('opt_out','dnc','consent_granted','consent_withdrawn')),
  effective_at   TIMESTAMPTZ NOT NULL,
  source         VARCHAR,
  reason         VARCHAR,
  ingest_run_id  VARCHAR
);

-- Every rejected input row, with where it was and why: rows in = loaded + quarantined (+ already present).
CREATE TABLE quarantine (
  ingest_run_id  VARCHAR NOT NULL,
  kind           VARCHAR NOT NULL,
  source         VARCHAR NOT NULL,
  line_number    BIGINT,
  field          VARCHAR,
  reason         VARCHAR NOT NULL,
  raw            VARCHAR,
  raw_hash       VARCHAR NOT NULL,
  quarantined_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE ingest_runs (
  ingest_run_id        VARCHAR PRIMARY KEY,
  kind                 VARCHAR NOT NULL,
  source               VARCHAR NOT NULL,
  file_sha256          VARCHAR,
  started_at           TIMESTAMPTZ NOT NULL,
  finished_at          TIMESTAMPTZ,
  status               VARCHAR NOT NULL CHECK (status IN ('succeeded','failed')),
  rows_read            BIGINT,
  rows_loaded          BIGINT,
  rows_updated         BIGINT,
  rows_quarantined     BIGINT,
  rows_already_present BIGINT,
  error                VARCHAR,
  report               JSON
);
