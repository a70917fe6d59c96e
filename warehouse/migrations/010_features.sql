-- Customer-profile feature snapshots (point-in-time) and graph features (features/).
-- The columns of customer_features are the feature registry (features/registry.ts), in
-- registry order; a test keeps the two in step. A new feature needs a new migration.

CREATE SEQUENCE feature_snapshot_id_seq START 1;

CREATE TABLE feature_snapshots (
  snapshot_id       BIGINT PRIMARY KEY,
  as_of             TIMESTAMPTZ NOT NULL,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  feature_set_hash  VARCHAR NOT NULL,   -- sha256 of the registry and the family SQL files
  row_count         BIGINT NOT NULL,
  feature_count     INTEGER NOT NULL,
  build_seconds     DOUBLE,
  features          JSON                -- names in column order, for readers that need no registry
);

-- One row per customer (created before as_of) per snapshot. No primary-key index on purpose
-- (see 001_core.sql): a snapshot is written once, in one statement, and read by snapshot_id.
CREATE TABLE customer_features (
  snapshot_id                  BIGINT NOT NULL,
  customer_id                  VARCHAR NOT NULL,
  -- profile
  age_band                     VARCHAR,
  occupation                   VARCHAR,
  region                       VARCHAR,
  income_band                  VARCHAR,
  tenure_months                INTEGER,
  balance                      DOUBLE,
  consent                      BOOLEAN,
  -- contact_history
  attempts_7d                  INTEGER,
  answered_7d                  INTEGER,
  attempts_30d                 INTEGER,
  answered_30d                 INTEGER,
  attempts_90d                 INTEGER,
  answered_90d                 INTEGER,
  attempts_total               INTEGER,
  answered_total               INTEGER,
  answer_rate_smoothed         DOUBLE,
  days_since_last_attempt      DOUBLE,
  days_since_last_answer       DOUBLE,
  consecutive_unanswered       INTEGER,
  opted_out                    BOOLEAN,
  -- hour_of_week: smoothed answer rate per local 4-hour block, Monday 00:00 = block 0
  how_mon_00 DOUBLE, how_mon_04 DOUBLE, how_mon_08 DOUBLE, how_mon_12 DOUBLE, how_mon_16 DOUBLE, how_mon_20 DOUBLE,
  how_tue_00 DOUBLE, how_tue_04 DOUBLE, how_tue_08 DOUBLE, how_tue_12 DOUBLE, how_tue_16 DOUBLE, how_tue_20 DOUBLE,
  how_wed_00 DOUBLE, how_wed_04 DOUBLE, how_wed_08 DOUBLE, how_wed_12 DOUBLE, how_wed_16 DOUBLE, how_wed_20 DOUBLE,
  how_thu_00 DOUBLE, how_thu_04 DOUBLE, how_thu_08 DOUBLE, how_thu_12 DOUBLE, how_thu_16 DOUBLE, how_thu_20 DOUBLE,
  how_fri_00 DOUBLE, how_fri_04 DOUBLE, how_fri_08 DOUBLE, how_fri_12 DOUBLE, how_fri_16 DOUBLE, how_fri_20 DOUBLE,
  how_sat_00 DOUBLE, how_sat_04 DOUBLE, how_sat_08 DOUBLE, how_sat_12 DOUBLE, how_sat_16 DOUBLE, how_sat_20 DOUBLE,
  how_sun_00 DOUBLE, how_sun_04 DOUBLE, how_sun_08 DOUBLE, how_sun_12 DOUBLE, how_sun_16 DOUBLE, how_sun_20 DOUBLE,
  -- rfm
  rfm_recency_days             DOUBLE,
  rfm_frequency                INTEGER,
  rfm_monetary                 DOUBLE,
  rfm_r_score                  INTEGER,
  rfm_f_score                  INTEGER,
  rfm_m_score                  INTEGER,
  -- conversion_history
  conversions_total            INTEGER,
  conversion_value_total       DOUBLE,
  days_since_last_conversion   DOUBLE
);

-- Per-feature distribution of a snapshot, kept so drift (PSI) can be measured later.
-- histogram: numeric {"kind":"numeric","edges":[…],"shares":[…]} — bins (-inf,e1],(e1,e2],…,(ek,inf)
-- on this snapshot's deciles; categorical/boolean {"kind":"categorical","shares":{"value":share,…}}.
-- Shares exclude nulls; null_share is its own bin in PSI.
CREATE TABLE feature_stats (
  snapshot_id  BIGINT NOT NULL,
  feature      VARCHAR NOT NULL,
  family       VARCHAR NOT NULL,
  type         VARCHAR NOT NULL,
  rows         BIGINT NOT NULL,
  null_share   DOUBLE NOT NULL,
  mean         DOUBLE,
  std          DOUBLE,
  min          DOUBLE,
  p05          DOUBLE,
  p25          DOUBLE,
  p50          DOUBLE,
  p75          DOUBLE,
  p95          DOUBLE,
  max          DOUBLE,
  distinct_count BIGINT,
  histogram    JSON NOT NULL,
  PRIMARY KEY (snapshot_id, feature)
);

CREATE SEQUENCE graph_run_id_seq START 1;

CREATE TABLE graph_runs (
  graph_run_id       BIGINT PRIMARY KEY,
  as_of              TIMESTAMPTZ NOT NULL,
  created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  engine             VARCHAR NOT NULL,
  customers          BIGINT NOT NULL,
  numbers            BIGINT NOT NULL,
  household_keys     BIGINT NOT NULL,
  edges              BIGINT NOT NULL,
  households         BIGINT NOT NULL,
  largest_household  BIGINT,
  shared_numbers     BIGINT NOT NULL,
  blocked_numbers    BIGINT NOT NULL,
  blocked_customers  BIGINT NOT NULL,
  build_seconds      DOUBLE
);

-- Connected components of the customer—number(—household key) graph, one row per customer.
CREATE TABLE customer_graph (
  graph_run_id              BIGINT NOT NULL,
  customer_id               VARCHAR NOT NULL,
  household_id              VARCHAR NOT NULL,   -- smallest customer_id in the component
  household_size            INTEGER NOT NULL,   -- customers in the component
  phone_hash                VARCHAR,            -- the customer's current number
  customers_sharing_number  INTEGER,            -- customers linked to that number (self included)
  numbers_linked            INTEGER NOT NULL,   -- distinct numbers linked to this customer
  blocked                   BOOLEAN NOT NULL,   -- current number is blocked (do-not-call propagation)
  blocked_reason            VARCHAR
);

-- Numbers blocked by an opt-out or DNC entry, with the earliest entry as the reason.
CREATE TABLE blocked_numbers (
  graph_run_id        BIGINT NOT NULL,
  phone_hash          VARCHAR NOT NULL,
  reason              VARCHAR NOT NULL,
  source_kind         VARCHAR NOT NULL,   -- opt_out | dnc | dnc_flag
  source_customer_id  VARCHAR,
  source              VARCHAR,
  effective_at        TIMESTAMPTZ,
  customers_affected  INTEGER NOT NULL    -- customers whose current number this is
);
