-- The feedback-loop simulation: per simulated day and dialing policy (model, random, oracle),
-- the headline figures the dashboards chart.
CREATE TABLE simulation_days (
  sim_id                      VARCHAR NOT NULL,
  day                         INTEGER NOT NULL,
  day_start                   TIMESTAMPTZ NOT NULL,
  policy                      VARCHAR NOT NULL CHECK (policy IN ('model','random','oracle')),
  published_run               VARCHAR,
  dials                       BIGINT NOT NULL,
  answered                    BIGINT NOT NULL,
  contact_rate                DOUBLE,
  conversions                 BIGINT NOT NULL,
  conversions_per_1000_dials  DOUBLE,
  conversion_value            DOUBLE,
  abandoned_share             DOUBLE,
  opt_outs                    BIGINT NOT NULL,
  compliance_violations       BIGINT NOT NULL,
  explore_dials               BIGINT NOT NULL,
  stats                       JSON,
  PRIMARY KEY (sim_id, day, policy)
);
