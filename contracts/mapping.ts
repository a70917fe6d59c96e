import iconv from 'iconv-lite';
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
 *   "defaultTimezone": "Europe/London",
 *   "encoding": "windows-1252",
 *   "decimalSeparator": ","
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
    /**
     * Text encoding of CSV and NDJSON files: "utf-8" (default), "windows-1252" (most Windows and
     * Excel exports), "iso-8859-1", "iso-8859-15", "utf-16le", "shift_jis", … (any name
     * iconv-lite knows). A byte-order mark in the file decides over it.
     */
    encoding: z
      .string()
      .default('utf-8')
      .refine((label) => encodingName(label) !== undefined, {
        error: (issue) => `unknown text encoding ${JSON.stringify(issue.input)} (e.g. "utf-8", "windows-1252", "utf-16le")`,
      }),
    /**
     * The decimal separator of numbers: "." (default) or "," (most continental European
     * exports: "1234,50"). With ",", a number holding a "." is refused rather than guessed at
     * ("1.234" could be a thousands separator).
     */
    decimalSeparator: z.enum(['.', ',']).default('.'),
    /**
     * Lines before the header of a CSV or NDJSON file (a report title, export notes), skipped.
     * Quarantined rows keep their line numbers in the whole file. An Excel "sep=;" line right
     * after them is recognised without this setting.
     */
    skipLines: z.number().int().min(0).default(0),
    /** source name recorded on every loaded row (defaults to the file name). */
    source: z.string().optional(),
  })
  .strict();
export type Mapping = z.infer<typeof MappingSchema>;
/** A mapping as written in a file: a key left out takes its default when the file is read. */
export type MappingInput = z.input<typeof MappingSchema>;

/**
 * The canonical name of a text-encoding label ("CP1252" → "windows-1252"), or undefined if
 * unknown. Node's own TextDecoder is not used: Node 20 decodes windows-1252 as ISO-8859-1
 * (0x80–0x9F become control characters instead of € “ ” …).
 */
export function encodingName(label: string): string | undefined {
  const key = label.trim().toLowerCase();
  if (!iconv.encodingExists(key)) return undefined;
  return CANONICAL[key.replace(/[^a-z0-9]/g, '')] ?? key;
}

const CANONICAL: Record<string, string> = {
  utf8: 'utf-8',
  utf16le: 'utf-16le',
  utf16be: 'utf-16be',
  utf16: 'utf-16',
  windows1252: 'windows-1252',
  win1252: 'windows-1252',
  cp1252: 'windows-1252',
  latin1: 'iso-8859-1',
  iso88591: 'iso-8859-1',
  iso885915: 'iso-8859-15',
};
