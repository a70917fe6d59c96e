-- Phone parsing (libphonenumber-js) is JavaScript and costs ~0.1 ms a number; the same raw
-- strings recur in every CRM export and call log, so each (raw text, region) is parsed once.
CREATE TABLE phone_normalisations (
  raw     VARCHAR NOT NULL,
  region  VARCHAR NOT NULL,
  e164    VARCHAR,
  error   VARCHAR,
  PRIMARY KEY (raw, region)
);
