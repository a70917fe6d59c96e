/**
 * The column names of each export and the mapping files (contracts/mapping.ts) that let
 * `dialwise ingest <file> --kind … --mapping <file>.mapping.json` load them with no code.
 */
import { DISPOSITIONS, type MappingInput } from '../contracts/index.ts';
import {
  EVENT_TYPE_CODES,
  EVENT_TYPES,
  GENDER_LABELS,
  GENDERS,
  HANDLER_CODES,
  INCOME_BAND_LABELS,
  INCOME_BANDS,
  OCCUPATION_LABELS,
  OCCUPATIONS,
  RESULT_CODES,
} from './catalog.ts';

export const CUSTOMER_COLUMNS = [
  'CustID',
  'FullName',
  'Mobile',
  'TZ',
  'Region',
  'Age',
  'Sex',
  'Job',
  'IncomeBand',
  'TenureMonths',
  'Balance',
  'MarketingConsent',
  'DoNotCall',
  'Email',
  'Language',
  'Created',
] as const;

export const EVENT_COLUMNS = ['ClientNo', 'EventTS', 'EventType', 'Amount'] as const;

export const CALL_COLUMNS = [
  'CallID',
  'Campaign',
  'CustID',
  'DialledNumber',
  'CallStart',
  'Result',
  'RingSec',
  'TalkSec',
  'Sale',
  'SaleValue',
  'OptOut',
  'HandledBy',
  'Transferred',
] as const;

/** Formats the exports use, in DuckDB/strptime notation. */
export const CREATED_FORMAT = '%d/%m/%Y';
export const CALL_START_FORMAT = '%d/%m/%Y %H:%M:%S';

const YES_NO = { Y: true, N: false } as const;
const NULLS = ['', 'NULL', 'N/A'];

function zipValues(labels: readonly string[], canon: readonly string[]): Record<string, string> {
  return Object.fromEntries(labels.map((l, i) => [l, canon[i] as string]));
}

/**
 * customers.csv: semicolon-delimited, CRLF line ends, FullName quoted, Created as DD/MM/YYYY.
 * Email and Language have no canonical column: ingest keeps them in `attributes`.
 */
export const CUSTOMERS_MAPPING: MappingInput = {
  columns: {
    CustID: 'customer_id',
    FullName: 'name',
    Mobile: 'phone',
    TZ: 'timezone',
    Region: 'region',
    Age: 'age',
    Sex: 'gender',
    Job: 'occupation',
    IncomeBand: 'income_band',
    TenureMonths: 'tenure_months',
    Balance: 'balance',
    MarketingConsent: 'consent',
    DoNotCall: 'dnc',
    Created: 'created_at',
  },
  values: {
    gender: zipValues(GENDER_LABELS, GENDERS),
    occupation: zipValues(OCCUPATION_LABELS, OCCUPATIONS),
    income_band: zipValues(INCOME_BAND_LABELS, INCOME_BANDS),
    consent: YES_NO,
    dnc: YES_NO,
  },
  nulls: NULLS,
  timestampFormats: { created_at: [CREATED_FORMAT] },
  defaultRegion: 'GB',
  defaultTimezone: 'Europe/London',
};

/** events.csv / events.parquet: EventTS is ISO-8601 UTC ("…Z"); Amount empty for site visits. */
export const EVENTS_MAPPING: MappingInput = {
  columns: {
    ClientNo: 'customer_id',
    EventTS: 'ts',
    EventType: 'type',
    Amount: 'value',
  },
  values: {
    type: zipValues(EVENT_TYPE_CODES, EVENT_TYPES),
  },
  nulls: NULLS,
  timestampFormats: {},
  defaultRegion: 'GB',
  defaultTimezone: 'UTC',
};

/**
 * call_log.csv / call_log.parquet: CallStart is the callee's NAIVE local wall-clock time
 * (DD/MM/YYYY HH:MM:SS, no zone): ingest reads it in the customer's time zone.
 * DialledNumber is E.164; ingest stores only its salted hash (`phone_hash`).
 *
 * Phone columns map to `phone`, the field name pipelines/ingest validates and normalises
 * (DESIGN.md's `phone_e164` is what it stores after normalising).
 */
export const CALL_LOG_MAPPING: MappingInput = {
  columns: {
    CallID: 'attempt_id',
    Campaign: 'campaign_id',
    CustID: 'customer_id',
    DialledNumber: 'phone',
    CallStart: 'started_at',
    Result: 'disposition',
    RingSec: 'ring_seconds',
    TalkSec: 'talk_seconds',
    Sale: 'converted',
    SaleValue: 'conversion_value',
    OptOut: 'opted_out',
    HandledBy: 'handled_by',
    Transferred: 'transferred',
  },
  values: {
    disposition: Object.fromEntries(DISPOSITIONS.map((d) => [RESULT_CODES[d], d])),
    converted: YES_NO,
    opted_out: YES_NO,
    transferred: YES_NO,
    handled_by: { [HANDLER_CODES.robot]: 'robot', [HANDLER_CODES.agent]: 'agent' },
  },
  nulls: NULLS,
  timestampFormats: { started_at: [CALL_START_FORMAT] },
  defaultRegion: 'GB',
  defaultTimezone: 'Europe/London',
};
