import { z } from 'zod';

/** What an ingest file holds. */
export const INGEST_KINDS = ['customers', 'events', 'call-attempts'] as const;
export type IngestKind = (typeof INGEST_KINDS)[number];

/**
 * A column mapping file (`--mapping m.json`): how a source's columns and values map onto the
 * canonical fields of DESIGN.md, so a new CRM export needs a file, not code.
 *
 * Example:
 * {
 *   "columns": { "CallStart": "started_at", "y": "converted", "Cust": "customer_id" },
 *   "values":  { "disposition": { "ANS": "answered", "NA": "no_answer" },
 *                "converted": { "yes": true, "no": false } },
 *   "nulls": ["unknown", "NA", ""],
 *   "timestampFormats": { "started_at": ["%d/%m/%Y %H:%M:%S"] },
 *   "defaultRegion": "GB",
 *   "defaultTimezone": "Europe/London"
 * }
 */
export const MappingSchema = z
  .object({
    /** source column name → canonical field name; unmapped columns that match a canonical name map to it. */
    columns: z.record(z.string(), z.string()).default({}),
    /** canonical field → (source value → canonical value). Applied before type coercion. */
    values: z
      .record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])))
      .default({}),
    /** source values read as null in every column (case-insensitive, trimmed). */
    nulls: z.array(z.string()).default(['', 'NA', 'N/A', 'null', 'NULL', 'unknown', 'Unknown', 'UNKNOWN']),
    /** canonical field → strptime formats tried in order, after ISO-8601. */
    timestampFormats: z.record(z.string(), z.array(z.string())).default({}),
    /** ISO 3166 region for numbers written without a country code. */
    defaultRegion: z.string().length(2).default('US'),
    /** IANA zone for naive times when the customer's zone is unknown. */
    defaultTimezone: z.string().default('UTC'),
    /** source name recorded on every loaded row (defaults to the file name). */
    source: z.string().optional(),
  })
  .strict();
export type Mapping = z.infer<typeof MappingSchema>;
