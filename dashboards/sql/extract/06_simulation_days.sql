CREATE TABLE simulation_days AS
SELECT sim_id, day, day_start, policy, published_run, dials, answered, contact_rate, conversions,
       conversions_per_1000_dials, abandoned_share, opt_outs, compliance_violations
FROM src.simulation_days;
