/**
 * `generate()`: writes the synthetic call centre as CRM-style exports (customers, behaviour
 * events, call log), their mapping files, a record of every deliberately dirty line, and the
 * ground truth in a separate `truth/` folder that ingest never reads.
 *
 * Memory is bounded: attempts are simulated and written one local day at a time, events one
 * customer at a time; Parquet copies are produced by DuckDB from staging CSVs on disk.
 * Files are written under `<outDir>/.partial/` and moved into place at the end, manifest last,
 * so a crashed run never leaves a half-written file that looks complete.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DISPOSITIONS, MappingSchema, type MappingInput } from '../contracts/index.ts';
import { CAMPAIGNS, EVENT_TYPE_CODES, HANDLER_CODES, RESULT_CODES, UNKNOWN_RESULT_CODES } from './catalog.ts';
import { InvalidWorldParamsError } from './errors.ts';
import { simulateHistory, expectedAttempts, type HistoryOptions, type HistoryState } from './history.ts';
import {
  CALL_COLUMNS,
  CALL_LOG_MAPPING,
  CALL_START_FORMAT,
  CUSTOMER_COLUMNS,
  CUSTOMERS_MAPPING,
  EVENT_COLUMNS,
  EVENTS_MAPPING,
} from './mappings.ts';
import { invalidPhone } from './phone.ts';
import { Rng } from './rng.ts';
import { sha256File, TextSink } from './sink.ts';
import { writeTruth, type TruthFiles } from './truth-export.ts';
import { clock, DateStrings, MS_PER_DAY } from './tz.ts';
import { createWorld, customerIdOf, LANGUAGES, resolveWorldParams, STREAM, type World, type WorldOptions, type WorldParams } from './world.ts';

/** Kinds of deliberately dirty rows. Every dirty line is an extra line: no clean row is lost. */
export const DIRTY_KINDS = [
  'missing_required',
  'bad_timestamp',
  'negative_duration',
  'unknown_code',
  'duplicate',
  'broken_quoting',
  'future_timestamp',
  'invalid_phone',
] as const;
export type DirtyKind = (typeof DIRTY_KINDS)[number];

export const EXPORT_FILES = ['customers.csv', 'events.csv', 'events.parquet', 'call_log.csv', 'call_log.parquet'] as const;
export type ExportFile = (typeof EXPORT_FILES)[number];

/** Which dirty kinds each export carries. Parquet: type-level kinds only (no quoting, no unparsable timestamps). */
export const FILE_DIRTY_KINDS: Record<ExportFile, readonly DirtyKind[]> = {
  'customers.csv': ['missing_required', 'bad_timestamp', 'duplicate', 'broken_quoting', 'invalid_phone'],
  'events.csv': ['missing_required', 'bad_timestamp', 'duplicate', 'broken_quoting', 'future_timestamp'],
  'events.parquet': ['missing_required', 'duplicate', 'future_timestamp'],
  'call_log.csv': ['missing_required', 'bad_timestamp', 'negative_duration', 'unknown_code', 'duplicate', 'broken_quoting', 'future_timestamp'],
  'call_log.parquet': ['missing_required', 'negative_duration', 'unknown_code', 'duplicate', 'future_timestamp'],
};

/** One line of dirty.ndjson. `line`: CSV physical line (header = 1); Parquet row number (first row = 1). */
export interface DirtyEntry {
  file: ExportFile;
  line: number;
  kind: DirtyKind;
}

export type GenerateStep = 'world' | 'call_log' | 'customers' | 'events' | 'parquet' | 'truth' | 'manifest';
export const GENERATE_STEPS: readonly GenerateStep[] = ['world', 'call_log', 'customers', 'events', 'parquet', 'truth', 'manifest'];

export interface GenerateProgress {
  step: GenerateStep;
  /** 1-based position of the step in `GENERATE_STEPS`. */
  stepIndex: number;
  steps: number;
  /** Units done in this step; `unit` says what they are. */
  rows: number;
  /** Units expected in this step (an estimate for call_log). */
  total: number;
  unit: 'customers' | 'attempts' | 'files';
}

/** Options of `generate` (and of `dialwise generate`). All optional. */
export interface GenerateOptions extends Partial<WorldOptions>, HistoryOptions {
  /** Number of customers. Default 10,000. */
  customers?: number;
  /** Days of call history. Default 90. */
  days?: number;
  /** Seed of every random draw. Default 42. */
  seed?: number;
  /** End of the history (exclusive). Default: start of today, UTC, so no clean row is in the future. */
  endDate?: Date | string | number;
  /** Output folder. Default `<dataDir>/generated`. */
  outDir?: string;
  /** Data folder, used only for the default `outDir`. Default `$DIALWISE_DATA_DIR` or `./data`. */
  dataDir?: string;
  /** Share of extra dirty rows in each export (0–0.5). Default 0.01. */
  dirtyShare?: number;
  /** Also write events.parquet and call_log.parquet. Default true. */
  parquet?: boolean;
  /** Also write the ground truth (truth/customers.parquet, truth/world.json). Default true. */
  truth?: boolean;
  /** Progress callback (the CLI draws a bar from it). */
  onProgress?: (p: GenerateProgress) => void;
}

export interface ManifestFile {
  /** What the file is for `dialwise ingest --kind`, or its role. */
  kind: 'customers' | 'events' | 'call-attempts' | 'mapping' | 'dirty-log' | 'truth';
  format: 'csv' | 'parquet' | 'json' | 'ndjson';
  bytes: number;
  sha256: string;
  /** Data rows (header excluded), clean + dirty. */
  rows?: number;
  cleanRows?: number;
  dirtyRows?: number;
  /** Physical lines including the header (CSV only). */
  lines?: number;
  delimiter?: string;
  lineEnding?: 'LF' | 'CRLF';
  /** Mapping file to ingest it with. */
  mapping?: string;
  columns?: readonly string[];
}

export interface GenerateManifest {
  format: 'dialwise-sim/1';
  seed: number;
  parameters: WorldParams & { dialsPerCustomerPerDay: number; dirtyShare: number; parquet: boolean; truth: boolean };
  window: { start: string; end: string };
  /** Line numbering used by dirty.ndjson. */
  dirtyLineNumbering: { csv: string; parquet: string };
  files: Record<string, ManifestFile>;
  /** Dirty rows per export file and kind (every kind listed, zeros included). */
  dirty: Record<ExportFile, Record<DirtyKind, number>>;
  counts: {
    customers: number;
    sharedNumberCustomers: number;
    wrongNumberCustomers: number;
    events: number;
    attempts: number;
    answered: number;
    conversions: number;
    optOuts: number;
  };
}

export function defaultDataDir(): string {
  return process.env.DIALWISE_DATA_DIR ?? 'data';
}

/** Resolves options to the folder generate() writes (same rule the CLI shows the user). */
export function defaultOutDir(opts: Pick<GenerateOptions, 'outDir' | 'dataDir'> = {}): string {
  return resolve(opts.outDir ?? join(opts.dataDir ?? defaultDataDir(), 'generated'));
}

class DirtyLog {
  readonly byFile = new Map<ExportFile, { lines: number[]; kinds: DirtyKind[] }>();
  add(file: ExportFile, line: number, kind: DirtyKind): void {
    let e = this.byFile.get(file);
    if (!e) this.byFile.set(file, (e = { lines: [], kinds: [] }));
    e.lines.push(line);
    e.kinds.push(kind);
  }
  count(file: ExportFile): number {
    return this.byFile.get(file)?.lines.length ?? 0;
  }
  summary(): Record<ExportFile, Record<DirtyKind, number>> {
    const out = {} as Record<ExportFile, Record<DirtyKind, number>>;
    for (const f of EXPORT_FILES) {
      const counts = Object.fromEntries(DIRTY_KINDS.map((k) => [k, 0])) as Record<DirtyKind, number>;
      for (const k of this.byFile.get(f)?.kinds ?? []) counts[k]++;
      out[f] = counts;
    }
    return out;
  }
  ndjson(): string {
    let s = '';
    for (const f of EXPORT_FILES) {
      const e = this.byFile.get(f);
      if (!e) continue;
      for (let k = 0; k < e.lines.length; k++) s += `{"file":"${f}","line":${e.lines[k]},"kind":"${e.kinds[k]}"}\n`;
    }
    return s;
  }
}

/** A sample of recent clean rows (every 8th), the source of exact duplicates. */
class RecentRows {
  private readonly rows: string[] = [];
  private next = 0;
  constructor(private readonly size = 256) {}
  push(row: string): void {
    if (this.rows.length < this.size) this.rows.push(row);
    else this.rows[this.next] = row;
    this.next = (this.next + 1) % this.size;
  }
  pick(rng: Rng): string | undefined {
    return this.rows.length === 0 ? undefined : this.rows[rng.int(this.rows.length)];
  }
}

/** Unbalanced quoting that a strict CSV reader rejects without swallowing the next lines. */
function brokenQuote(value: string): string {
  const v = value.replace(/"/g, '');
  const cut = Math.max(1, Math.floor(v.length / 2));
  return `"${v.slice(0, cut)}"${v.slice(cut)}"`;
}

const BAD_DATES = ['31/02/2023', '2023-13-01', '00/00/0000', 'yesterday', '12/31/2021', '32/01/2020', '#VALUE!'];
const BAD_CALL_STARTS = ['30/02/2024 10:15:00', '2024-13-01 09:00:00', '15/07/2024 25:10:00', '00/00/0000 00:00:00', '#VALUE!', '15-07-2024 10:00', '2024/07/15 9h30'];
const BAD_EVENT_TS = ['2024-02-30T10:00:00Z', 'not a date', '2024-13-01T00:00:00Z', '31/12/2024 25:00', '#VALUE!', '2024-06-31T12:00:00Z'];

const CALL_ID_BASE = 40_000_000;

/**
 * Generates the world, its history and all exports into `outDir`; returns the manifest
 * (also written to `<outDir>/manifest.json`). Same options and seed → byte-identical files.
 */
export async function generate(options: GenerateOptions = {}): Promise<GenerateManifest> {
  const worldParams = resolveWorldParams({
    customers: options.customers ?? 10_000,
    seed: options.seed ?? 42,
    days: options.days ?? 90,
    ...(options.endDate !== undefined ? { endDate: options.endDate } : {}),
    ...(options.householdShare !== undefined ? { householdShare: options.householdShare } : {}),
    ...(options.recycledShare !== undefined ? { recycledShare: options.recycledShare } : {}),
    ...(options.deadNumberShare !== undefined ? { deadNumberShare: options.deadNumberShare } : {}),
    ...(options.eventLookbackDays !== undefined ? { eventLookbackDays: options.eventLookbackDays } : {}),
    ...(options.arrivals !== undefined ? { arrivals: options.arrivals } : {}),
  });
  const dirtyShare = options.dirtyShare ?? 0.01;
  if (!(dirtyShare >= 0 && dirtyShare <= 0.5)) throw new InvalidWorldParamsError(`dirtyShare must be between 0 and 0.5, got ${dirtyShare}`);
  const rate = options.dialsPerCustomerPerDay ?? 0.1;
  if (!(rate >= 0 && rate <= 20)) throw new InvalidWorldParamsError(`dialsPerCustomerPerDay must be between 0 and 20, got ${rate}`);
  const writeParquet = options.parquet ?? true;
  const writeTruthFiles = options.truth ?? true;
  const outDir = defaultOutDir(options);
  const partial = join(outDir, '.partial');
  const staging = join(partial, 'staging');
  await rm(partial, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });

  const progress = (step: GenerateStep, rows: number, total: number, unit: GenerateProgress['unit']): void => {
    options.onProgress?.({ step, stepIndex: GENERATE_STEPS.indexOf(step) + 1, steps: GENERATE_STEPS.length, rows, total, unit });
  };

  progress('world', 0, worldParams.customers, 'customers');
  const world = createWorld(worldParams);
  progress('world', world.size, world.size, 'customers');

  const dirty = new DirtyLog();
  const files: Record<string, ManifestFile> = {};
  const dates = new DateStrings();

  // ---- call log (first: its opt-outs feed the CRM's DoNotCall column)
  progress('call_log', 0, expectedAttempts(world, { dialsPerCustomerPerDay: rate }), 'attempts');
  const calls = await writeCallLog(world, { dialsPerCustomerPerDay: rate }, {
    csvPath: join(partial, 'call_log.csv'),
    stagePath: writeParquet ? join(staging, 'call_log.csv') : null,
    dirtyShare,
    dirty,
    dates,
    onProgress: (rows, total) => progress('call_log', rows, total, 'attempts'),
  });
  files['call_log.csv'] = {
    kind: 'call-attempts',
    format: 'csv',
    ...calls.file,
    rows: calls.lines - 1,
    cleanRows: calls.lines - 1 - dirty.count('call_log.csv'),
    dirtyRows: dirty.count('call_log.csv'),
    lines: calls.lines,
    delimiter: ',',
    lineEnding: 'LF',
    mapping: 'call_log.mapping.json',
    columns: CALL_COLUMNS,
  };

  // ---- customers
  progress('customers', 0, world.size, 'customers');
  const cust = await writeCustomers(world, calls.state, {
    path: join(partial, 'customers.csv'),
    dirtyShare,
    dirty,
    dates,
    onProgress: (rows) => progress('customers', rows, world.size, 'customers'),
  });
  files['customers.csv'] = {
    kind: 'customers',
    format: 'csv',
    ...cust.file,
    rows: cust.lines - 1,
    cleanRows: cust.lines - 1 - dirty.count('customers.csv'),
    dirtyRows: dirty.count('customers.csv'),
    lines: cust.lines,
    delimiter: ';',
    lineEnding: 'CRLF',
    mapping: 'customers.mapping.json',
    columns: CUSTOMER_COLUMNS,
  };

  // ---- events
  progress('events', 0, world.size, 'customers');
  const ev = await writeEvents(world, {
    csvPath: join(partial, 'events.csv'),
    stagePath: writeParquet ? join(staging, 'events.csv') : null,
    dirtyShare,
    dirty,
    dates,
    onProgress: (rows) => progress('events', rows, world.size, 'customers'),
  });
  files['events.csv'] = {
    kind: 'events',
    format: 'csv',
    ...ev.file,
    rows: ev.lines - 1,
    cleanRows: ev.lines - 1 - dirty.count('events.csv'),
    dirtyRows: dirty.count('events.csv'),
    lines: ev.lines,
    delimiter: ',',
    lineEnding: 'LF',
    mapping: 'events.mapping.json',
    columns: EVENT_COLUMNS,
  };

  // ---- parquet copies and truth, through one in-memory DuckDB
  const parquetTotal = writeParquet ? 2 : 0;
  progress('parquet', 0, parquetTotal, 'files');
  let truthFiles: TruthFiles | null = null;
  if (writeParquet || writeTruthFiles) {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: process.env.DIALWISE_SIM_DUCKDB_MEMORY ?? '1GB' });
    const con = await instance.connect();
    try {
      if (writeParquet) {
        await con.run(CALL_LOG_TO_PARQUET, { src: join(staging, 'call_log.csv'), dst: join(partial, 'call_log.parquet'), fmt: CALL_START_FORMAT });
        progress('parquet', 1, parquetTotal, 'files');
        await con.run(EVENTS_TO_PARQUET, { src: join(staging, 'events.csv'), dst: join(partial, 'events.parquet') });
        progress('parquet', 2, parquetTotal, 'files');
        const pqCalls = calls.stagedRows;
        const pqEvents = ev.stagedRows;
        files['call_log.parquet'] = {
          kind: 'call-attempts',
          format: 'parquet',
          ...(await sha256File(join(partial, 'call_log.parquet'))),
          rows: pqCalls,
          cleanRows: pqCalls - dirty.count('call_log.parquet'),
          dirtyRows: dirty.count('call_log.parquet'),
          mapping: 'call_log.mapping.json',
          columns: CALL_COLUMNS,
        };
        files['events.parquet'] = {
          kind: 'events',
          format: 'parquet',
          ...(await sha256File(join(partial, 'events.parquet'))),
          rows: pqEvents,
          cleanRows: pqEvents - dirty.count('events.parquet'),
          dirtyRows: dirty.count('events.parquet'),
          mapping: 'events.mapping.json',
          columns: EVENT_COLUMNS,
        };
      }
      if (writeTruthFiles) {
        progress('truth', 0, world.size, 'customers');
        truthFiles = await writeTruth(world, calls.state, {
          dir: join(partial, 'truth'),
          stagePath: join(staging, 'truth.csv'),
          con,
          history: { dialsPerCustomerPerDay: rate },
          onProgress: (rows) => progress('truth', rows, world.size, 'customers'),
        });
      }
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  }

  // ---- mappings, dirty log, manifest
  progress('manifest', 0, 1, 'files');
  const mappings: [string, MappingInput][] = [
    ['customers.mapping.json', CUSTOMERS_MAPPING],
    ['events.mapping.json', EVENTS_MAPPING],
    ['call_log.mapping.json', CALL_LOG_MAPPING],
  ];
  for (const [name, m] of mappings) {
    const text = JSON.stringify(MappingSchema.parse(m), null, 2) + '\n';
    files[name] = await writeSmall(join(partial, name), text, 'mapping', 'json');
  }
  files['dirty.ndjson'] = await writeSmall(join(partial, 'dirty.ndjson'), dirty.ndjson(), 'dirty-log', 'ndjson');
  if (truthFiles) {
    for (const [name, f] of Object.entries(truthFiles.files)) files[`truth/${name}`] = { kind: 'truth', ...f };
  }

  const manifest: GenerateManifest = {
    format: 'dialwise-sim/1',
    seed: worldParams.seed,
    parameters: { ...worldParams, dialsPerCustomerPerDay: rate, dirtyShare, parquet: writeParquet, truth: writeTruthFiles },
    window: { start: worldParams.startDate, end: worldParams.endDate },
    dirtyLineNumbering: {
      csv: 'physical line of the file, header = line 1',
      parquet: 'row number in file order, first row = 1',
    },
    files: Object.fromEntries(Object.keys(files).sort().map((k) => [k, files[k] as ManifestFile])),
    dirty: dirty.summary(),
    counts: {
      customers: world.size,
      sharedNumberCustomers: countNonZero(world.phoneShare),
      wrongNumberCustomers: countNonZero(world.wrongNumber),
      events: ev.cleanEvents,
      attempts: calls.cleanAttempts,
      answered: calls.answered,
      conversions: calls.conversions,
      optOuts: calls.optOuts,
    },
  };

  // move into place: data files first, the manifest last
  await rm(staging, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const name of Object.keys(files)) {
    if (name.startsWith('truth/')) continue;
    await rename(join(partial, name), join(outDir, name));
  }
  if (truthFiles) {
    await rm(join(outDir, 'truth'), { recursive: true, force: true });
    await rename(join(partial, 'truth'), join(outDir, 'truth'));
  }
  if (!truthFiles) {
    // a previous run's truth would describe another world than these files
    await rm(join(outDir, 'truth'), { recursive: true, force: true });
  }
  if (!writeParquet) {
    // a previous run's Parquet copies would no longer match the CSVs
    await rm(join(outDir, 'call_log.parquet'), { force: true });
    await rm(join(outDir, 'events.parquet'), { force: true });
  }
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await rm(partial, { recursive: true, force: true });
  progress('manifest', 1, 1, 'files');
  return manifest;
}

function countNonZero(a: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

async function writeSmall(path: string, text: string, kind: ManifestFile['kind'], format: ManifestFile['format']): Promise<ManifestFile> {
  const sink = new TextSink(path);
  sink.write(text, 0);
  const r = await sink.close();
  return { kind, format, ...r };
}

// -------------------------------------------------------------------------------- call log

interface CallLogResult {
  file: { bytes: number; sha256: string };
  lines: number;
  stagedRows: number;
  cleanAttempts: number;
  answered: number;
  conversions: number;
  optOuts: number;
  state: HistoryState;
}

async function writeCallLog(
  world: World,
  history: HistoryOptions,
  o: {
    csvPath: string;
    stagePath: string | null;
    dirtyShare: number;
    dirty: DirtyLog;
    dates: DateStrings;
    onProgress: (rows: number, total: number) => void;
  },
): Promise<CallLogResult> {
  const csv = new TextSink(o.csvPath);
  const stage = o.stagePath ? new TextSink(o.stagePath) : null;
  const header = CALL_COLUMNS.join(',') + '\n';
  csv.write(header);
  stage?.write(header);
  const rng = new Rng(world.params.seed, STREAM.dirty, 1);
  const kinds = FILE_DIRTY_KINDS['call_log.csv'];
  const pqKinds = new Set(FILE_DIRTY_KINDS['call_log.parquet']);
  const recent = new RecentRows();
  const campaignCodes = CAMPAIGNS.map((c) => c.code);
  const resultCodes = DISPOSITIONS.map((d) => RESULT_CODES[d]);
  const handlerCodes = ['', HANDLER_CODES.robot, HANDLER_CODES.agent];
  const endDay = Math.floor(world.endMs / MS_PER_DAY);
  const total = expectedAttempts(world, history);
  let callId = CALL_ID_BASE;
  let stagedRows = 0;
  let clean = 0;
  let answered = 0;
  let conversions = 0;
  let optOuts = 0;

  // each row goes into the sink as soon as it is built, so its string dies young (holding a
  // day of rows to join them costs several times more in garbage collection)
  const put = (row: string, staged: boolean): void => {
    csv.write(row);
    if (staged && stage) {
      stage.write(row);
      stagedRows++;
    }
  };
  const state = await simulateHistory(world, history, async (b) => {
    const day = o.dates.dayMonthYear(b.localDay) + ' ';
    for (let q = 0; q < b.count; q++) {
      const k = b.order[q] as number;
      const i = b.customer[k] as number;
      const conv = b.converted[k] === 1;
      const row =
        String(++callId) + ',' +
        campaignCodes[b.campaign[k] as number] + ',' +
        customerIdOf(i) + ',' +
        world.phoneE164(i) + ',' +
        day + clock(b.localSec[k] as number) + ',' +
        resultCodes[b.disposition[k] as number] + ',' +
        (b.ring[k] as number) + ',' +
        (b.talk[k] as number) + ',' +
        (conv ? 'Y,' + (b.value[k] as number).toFixed(2) : 'N,') + ',' +
        (b.optedOut[k] === 1 ? 'Y' : 'N') + ',' +
        handlerCodes[b.handler[k] as number] + ',' +
        (b.transferred[k] === 1 ? 'Y' : 'N') + '\n';
      put(row, true);
      if ((clean & 7) === 0) recent.push(row);
      clean++;
      if (b.disposition[k] === 0) answered++;
      if (conv) conversions++;
      if (b.optedOut[k] === 1) optOuts++;

      if (o.dirtyShare > 0 && rng.uniform() < o.dirtyShare) {
        const kind = kinds[rng.int(kinds.length)] as DirtyKind;
        let bad: string;
        if (kind === 'duplicate') {
          bad = recent.pick(rng) ?? row;
        } else {
          const f = row.slice(0, -1).split(',');
          f[0] = String(++callId);
          switch (kind) {
            case 'missing_required': f[[2, 4, 5][rng.int(3)] as number] = ''; break;
            case 'bad_timestamp': f[4] = rng.pick(BAD_CALL_STARTS); break;
            case 'negative_duration': f[rng.uniform() < 0.5 ? 6 : 7] = String(-1 - rng.int(300)); break;
            case 'unknown_code': f[5] = rng.pick(UNKNOWN_RESULT_CODES); break;
            case 'broken_quoting': f[1] = brokenQuote(f[1] as string); break;
            case 'future_timestamp': {
              // 10–20 years after the window: in the future for as long as the data is used
              const d = endDay + 3650 + rng.int(3650);
              f[4] = o.dates.dayMonthYear(d) + ' ' + clock(rng.int(86_400));
              break;
            }
            default: break;
          }
          bad = f.join(',') + '\n';
        }
        const staged = pqKinds.has(kind);
        put(bad, staged);
        o.dirty.add('call_log.csv', csv.lines, kind);
        if (staged && stage) o.dirty.add('call_log.parquet', stagedRows, kind);
      }
    }
    await csv.maybeFlush();
    if (stage) await stage.maybeFlush();
    o.onProgress(clean, Math.max(total, clean));
  });
  const file = await csv.close();
  if (stage) await stage.close();
  return { file, lines: csv.lines, stagedRows, cleanAttempts: clean, answered, conversions, optOuts, state };
}

const CALL_LOG_TO_PARQUET = `
COPY (
  SELECT
    CallID,
    Campaign,
    CustID,
    DialledNumber,
    strptime(CallStart, $fmt) AS CallStart,
    Result,
    RingSec::INTEGER AS RingSec,
    TalkSec::INTEGER AS TalkSec,
    CASE Sale WHEN 'Y' THEN true WHEN 'N' THEN false END AS Sale,
    SaleValue::DECIMAL(12, 2) AS SaleValue,
    CASE OptOut WHEN 'Y' THEN true WHEN 'N' THEN false END AS OptOut,
    HandledBy,
    CASE Transferred WHEN 'Y' THEN true WHEN 'N' THEN false END AS Transferred
  FROM read_csv($src, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
    columns = {'CallID': 'VARCHAR', 'Campaign': 'VARCHAR', 'CustID': 'VARCHAR', 'DialledNumber': 'VARCHAR',
               'CallStart': 'VARCHAR', 'Result': 'VARCHAR', 'RingSec': 'VARCHAR', 'TalkSec': 'VARCHAR',
               'Sale': 'VARCHAR', 'SaleValue': 'VARCHAR', 'OptOut': 'VARCHAR', 'HandledBy': 'VARCHAR',
               'Transferred': 'VARCHAR'})
) TO $dst (FORMAT parquet, COMPRESSION zstd)`;

// -------------------------------------------------------------------------------- customers

async function writeCustomers(
  world: World,
  state: HistoryState,
  o: { path: string; dirtyShare: number; dirty: DirtyLog; dates: DateStrings; onProgress: (rows: number) => void },
): Promise<{ file: { bytes: number; sha256: string }; lines: number }> {
  const EOL = '\r\n';
  const csv = new TextSink(o.path);
  csv.write(CUSTOMER_COLUMNS.join(';') + EOL);
  const rng = new Rng(world.params.seed, STREAM.dirty, 2);
  const kinds = FILE_DIRTY_KINDS['customers.csv'];
  const recent = new RecentRows();
  let extraId = world.size;
  for (let i = 0; i < world.size; i++) {
    const region = world.regionOf(i);
    const row =
      customerIdOf(i) + ';"' +
      world.givenName(i) + ' ' + world.surname(i) + '";' +
      world.phoneRaw(i) + ';' +
      region.timezone + ';' +
      region.code + ';' +
      (world.age[i] as number) + ';' +
      world.genderLabel(i) + ';' +
      world.occupationLabel(i) + ';' +
      world.incomeLabel(i) + ';' +
      (world.tenureMonths[i] as number) + ';' +
      ((world.balanceCents[i] as number) / 100).toFixed(2) + ';' +
      (world.consent[i] === 1 ? 'Y' : 'N') + ';' +
      (world.dnc[i] === 1 || state.optedOut[i] === 1 ? 'Y' : 'N') + ';' +
      (world.email(i) ?? '') + ';' +
      LANGUAGES[world.language[i] as number] + ';' +
      o.dates.dayMonthYear(Math.floor((world.createdMs[i] as number) / MS_PER_DAY)) + EOL;
    csv.write(row);
    if ((i & 7) === 0) recent.push(row);
    if (o.dirtyShare > 0 && rng.uniform() < o.dirtyShare) {
      const kind = kinds[rng.int(kinds.length)] as DirtyKind;
      let bad: string;
      if (kind === 'duplicate') {
        bad = recent.pick(rng) ?? row;
      } else {
        const f = row.slice(0, -EOL.length).split(';');
        // a customer who does not exist elsewhere, so quarantining the row loses nothing
        f[0] = customerIdOf(extraId++);
        switch (kind) {
          case 'missing_required': f[0] = ''; break;
          case 'bad_timestamp': f[15] = rng.pick(BAD_DATES); break;
          case 'broken_quoting': f[1] = brokenQuote(f[1] as string); break;
          case 'invalid_phone': f[2] = invalidPhone(world.phoneE164(i), rng.int(4)); break;
          default: break;
        }
        bad = f.join(';') + EOL;
      }
      csv.write(bad);
      o.dirty.add('customers.csv', csv.lines, kind);
    }
    if ((i & 0x3fff) === 0x3fff) {
      await csv.maybeFlush();
      o.onProgress(i + 1);
    }
  }
  o.onProgress(world.size);
  const file = await csv.close();
  return { file, lines: csv.lines };
}

// -------------------------------------------------------------------------------- events

async function writeEvents(
  world: World,
  o: {
    csvPath: string;
    stagePath: string | null;
    dirtyShare: number;
    dirty: DirtyLog;
    dates: DateStrings;
    onProgress: (rows: number) => void;
  },
): Promise<{ file: { bytes: number; sha256: string }; lines: number; stagedRows: number; cleanEvents: number }> {
  const csv = new TextSink(o.csvPath);
  const stage = o.stagePath ? new TextSink(o.stagePath) : null;
  const header = EVENT_COLUMNS.join(',') + '\n';
  csv.write(header);
  stage?.write(header);
  const rng = new Rng(world.params.seed, STREAM.dirty, 3);
  const kinds = FILE_DIRTY_KINDS['events.csv'];
  const pqKinds = new Set(FILE_DIRTY_KINDS['events.parquet']);
  const recent = new RecentRows();
  const endMs = world.endMs;
  const endDay = Math.floor(endMs / MS_PER_DAY);
  let stagedRows = 0;
  let clean = 0;
  let cid = '';

  const isoTs = (ms: number): string => isoInstant(o.dates, ms);

  const emit = (ts: number, type: number, value: number): void => {
    const row = eventRow(o.dates, cid, ts, type, value);
    csv.write(row);
    if (stage) { stage.write(row); stagedRows++; }
    if ((clean & 7) === 0) recent.push(row);
    clean++;
    if (o.dirtyShare > 0 && rng.uniform() < o.dirtyShare) {
      const kind = kinds[rng.int(kinds.length)] as DirtyKind;
      let bad: string;
      if (kind === 'duplicate') {
        bad = recent.pick(rng) ?? row;
      } else {
        const f = row.slice(0, -1).split(',');
        switch (kind) {
          case 'missing_required': f[rng.int(3)] = ''; break;
          case 'bad_timestamp': f[1] = rng.pick(BAD_EVENT_TS); break;
          case 'broken_quoting': f[2] = brokenQuote(f[2] as string); break;
          case 'future_timestamp': f[1] = isoTs((endDay + 3650 + rng.int(3650)) * MS_PER_DAY + rng.int(86_400) * 1000); break;
          default: break;
        }
        bad = f.join(',') + '\n';
      }
      csv.write(bad);
      o.dirty.add('events.csv', csv.lines, kind);
      if (stage && pqKinds.has(kind)) {
        stage.write(bad);
        stagedRows++;
        o.dirty.add('events.parquet', stagedRows, kind);
      }
    }
  };

  for (let i = 0; i < world.size; i++) {
    cid = customerIdOf(i);
    world.forEachEvent(i, endMs, emit);
    if (csv.pending || (stage?.pending ?? false)) {
      await csv.maybeFlush();
      if (stage) await stage.maybeFlush();
    }
    if ((i & 0x3fff) === 0x3fff) o.onProgress(i + 1);
  }
  o.onProgress(world.size);
  const file = await csv.close();
  if (stage) await stage.close();
  return { file, lines: csv.lines, stagedRows, cleanEvents: clean };
}

function isoInstant(dates: DateStrings, ms: number): string {
  const day = Math.floor(ms / MS_PER_DAY);
  return dates.isoDate(day) + 'T' + clock(Math.floor((ms - day * MS_PER_DAY) / 1000)) + 'Z';
}

/** One line of events.csv (EVENT_COLUMNS). */
function eventRow(dates: DateStrings, customerId: string, ts: number, type: number, value: number): string {
  return customerId + ',' + isoInstant(dates, ts) + ',' + EVENT_TYPE_CODES[type] + ',' + (type === 2 ? '' : value.toFixed(2)) + '\n';
}

/**
 * The behaviour events in [fromMs, toMs) as the CRM's daily events export (events.csv's columns
 * and mapping, clean rows only): what a running call centre feeds the warehouse every night
 * after the history, so features keep seeing customers' recent behaviour. Returns the rows.
 */
export async function writeEventsBetween(world: World, fromMs: number, toMs: number, csvPath: string): Promise<number> {
  const csv = new TextSink(csvPath);
  csv.write(EVENT_COLUMNS.join(',') + '\n');
  const dates = new DateStrings();
  let rows = 0;
  let cid = '';
  const emit = (ts: number, type: number, value: number): void => {
    if (ts < fromMs) return;
    csv.write(eventRow(dates, cid, ts, type, value));
    rows++;
  };
  for (let i = 0; i < world.size; i++) {
    cid = customerIdOf(i);
    world.forEachEvent(i, toMs, emit);
    if (csv.pending) await csv.maybeFlush();
  }
  await csv.close();
  return rows;
}

const EVENTS_TO_PARQUET = `
COPY (
  SELECT
    ClientNo,
    EventTS::TIMESTAMPTZ AS EventTS,
    EventType,
    Amount::DOUBLE AS Amount
  FROM read_csv($src, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
    columns = {'ClientNo': 'VARCHAR', 'EventTS': 'VARCHAR', 'EventType': 'VARCHAR', 'Amount': 'VARCHAR'})
) TO $dst (FORMAT parquet, COMPRESSION zstd)`;
