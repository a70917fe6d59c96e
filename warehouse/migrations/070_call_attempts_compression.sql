-- call_attempts with each text column's compression named: DuckDB otherwise analyses every
-- method (dictionary, FSST, …) on every segment of every text column before choosing, which
-- was the larger part of the CPU an ingest spends writing the call log (2M attempts: 4.4 →
-- 3.1 CPU-s, same size on disk). The methods are the ones DuckDB chose by itself on call logs:
-- FSST for the near-unique ids and the phone hash, dictionary for the few-valued columns
-- (campaign, codes, and source and ingest_run_id, constant within an ingest).
-- DuckDB cannot change a column's compression in place, so the table is rebuilt.

CREATE TABLE call_attempts_070 (
  attempt_id       VARCHAR NOT NULL USING COMPRESSION fsst,
  campaign_id      VARCHAR USING COMPRESSION dictionary,
  customer_id      VARCHAR NOT NULL USING COMPRESSION fsst,
  phone_hash       VARCHAR USING COMPRESSION fsst,
  started_at       TIMESTAMPTZ NOT NULL,
  disposition      VARCHAR NOT NULL USING COMPRESSION dictionary CHECK (disposition IN
                   ('answered','no_answer','busy','invalid_number','voicemail','rejected','abandoned','failed')),
  ring_seconds     DOUBLE CHECK (ring_seconds >= 0),
  talk_seconds     DOUBLE CHECK (talk_seconds >= 0),
  converted        BOOLEAN,
  conversion_value DOUBLE,
  opted_out        BOOLEAN,
  handled_by       VARCHAR USING COMPRESSION dictionary CHECK (handled_by IN ('robot','agent')),
  transferred      BOOLEAN,
  arm              VARCHAR USING COMPRESSION dictionary CHECK (arm IN ('model','explore','holdout')),
  propensity       DOUBLE CHECK (propensity > 0 AND propensity <= 1),
  model_versions   JSON,
  source           VARCHAR USING COMPRESSION dictionary,
  ingest_run_id    VARCHAR USING COMPRESSION dictionary
);

INSERT INTO call_attempts_070 SELECT * FROM call_attempts;
DROP TABLE call_attempts;
ALTER TABLE call_attempts_070 RENAME TO call_attempts;
