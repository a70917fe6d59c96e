-- Every campaign that has calls, with its CRM row when there is one (targets live in attributes).
CREATE TABLE campaigns AS
SELECT k.campaign_id,
       coalesce(c.name, k.campaign_id) AS name,
       c.objective,
       c.attributes::VARCHAR AS attributes,
       k.first_day, k.last_day, k.dials
FROM (SELECT campaign_id, min(day) AS first_day, max(day) AS last_day, sum(dials) AS dials
      FROM kpi_cube GROUP BY campaign_id) k
LEFT JOIN src.campaigns c ON c.campaign_id = k.campaign_id;
