-- __history (a view): for each spine row, the attempts of its customer that started strictly
-- before its as-of (t < s.t, both microseconds since the epoch). This is the one place where
-- call history meets the spine, so the rule "a feature as of T uses only rows with time < T"
-- lives here: the current attempt (started at T) and everything after it, with their
-- post-call fields, never reach a feature row.
SELECT s.spine_id, s.t AS as_of_t, a.t, a.day, a.answered, a.converted, a.conversion_value, a.opted_out, a.blk
FROM __spine s
JOIN __attempts a ON a.ck = s.ck AND a.t < s.t
