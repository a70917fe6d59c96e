/**
 * The model registry: versions (what was trained, on which window, with which features and
 * metrics, where its files are) and the `champion` / `challenger` aliases per kind, as in
 * MLflow's model aliases. Alias changes are appended to a history; the champion line is
 * replayed from it (promote pushes, rollback pops), so `rollback` restores the champion that
 * was in force before the current one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Warehouse } from '../../warehouse/index.ts';
import { ModelNotFoundError, RegistryError } from './errors.ts';

export const ALIASES = ['champion', 'challenger'] as const;
export type Alias = (typeof ALIASES)[number];

export type Algorithm = 'xgboost' | 'tfjs';

/** One model input column as the model sees it. */
export interface ModelFeature {
  name: string;
  /** numeric | boolean | categorical, or an encoding-specific type. */
  type: string;
}

/** The time windows a version was trained and validated on (ISO strings in JSON). */
export interface TrainingWindow {
  asOf: Date | null;
  trainFrom: Date | null;
  trainTo: Date | null;
  validFrom: Date | null;
  validTo: Date | null;
  /** Window held back for the promotion gate (never seen in training), if any. */
  gateFrom?: Date | null;
  gateTo?: Date | null;
  rowsTrain: number;
  rowsValid: number;
  /** How the validation split was made: out-of-time, or random for tables without a time column. */
  split: 'out-of-time' | 'random';
}

export interface NewModelVersion {
  version?: string;
  kind: string;
  algorithm: Algorithm;
  params: Record<string, unknown>;
  source: string;
  window: TrainingWindow;
  features: ModelFeature[];
  /** Hash of the feature list and encodings; computed from `featureHashInput` when absent. */
  featureHash?: string;
  featureHashInput?: unknown;
  featureSetHash?: string | null;
  metrics: Record<string, unknown>;
  artifactPath: string;
  runId: string;
  parentRun?: string | null;
  parentVersion?: string | null;
  description?: string | null;
  createdAt?: Date;
}

export interface ModelVersion {
  version: string;
  kind: string;
  createdAt: Date;
  algorithm: Algorithm;
  params: Record<string, unknown>;
  source: string;
  window: TrainingWindow;
  features: ModelFeature[];
  featureHash: string;
  featureSetHash: string | null;
  metrics: Record<string, unknown>;
  artifactPath: string;
  runId: string;
  parentRun: string | null;
  parentVersion: string | null;
  description: string | null;
  /** Aliases pointing at this version now. */
  aliases: Alias[];
}

export interface AliasRow {
  kind: string;
  alias: Alias;
  version: string;
  assignedAt: Date;
}

export interface AliasEvent {
  eventId: number;
  kind: string;
  alias: Alias;
  action: 'promote' | 'rollback' | 'set' | 'clear';
  version: string | null;
  previousVersion: string | null;
  reason: string | null;
  details: Record<string, unknown> | null;
  at: Date;
}

/** `conversion-20240601-021500-3fa9c1`: kind (made path- and shell-safe), UTC time, random suffix. */
export function newVersionId(kind: string, at: Date = new Date()): string {
  const slug = kind.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'model';
  const iso = at.toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `${slug}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** A training run id, recorded on every version it produced. */
export function newRunId(at: Date = new Date()): string {
  return `train-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/** sha256 of a JSON value with object keys sorted, so equal content gives an equal hash. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** JSON with Dates as ISO strings and non-finite numbers as null (DuckDB's JSON refuses NaN). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

interface VersionRow {
  version: string;
  kind: string;
  created_at: Date;
  algorithm: Algorithm;
  params: string;
  source: string;
  training_window: string;
  features: string;
  feature_hash: string;
  feature_set_hash: string | null;
  metrics: string;
  artifact_path: string;
  run_id: string;
  parent_run: string | null;
  parent_version: string | null;
  description: string | null;
  aliases: string[] | null;
}

const VERSION_SELECT = `
  SELECT v.version, v.kind, v.created_at, v.algorithm, v.params::VARCHAR AS params, v.source,
         v.training_window::VARCHAR AS training_window, v.features::VARCHAR AS features, v.feature_hash,
         v.feature_set_hash, v.metrics::VARCHAR AS metrics, v.artifact_path, v.run_id, v.parent_run,
         v.parent_version, v.description,
         (SELECT list(a.alias ORDER BY a.alias) FROM model_aliases a WHERE a.version = v.version) AS aliases
  FROM model_versions v`;

function parseWindow(text: string): TrainingWindow {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const date = (v: unknown): Date | null => (typeof v === 'string' ? new Date(v) : null);
  return {
    asOf: date(raw.asOf),
    trainFrom: date(raw.trainFrom),
    trainTo: date(raw.trainTo),
    validFrom: date(raw.validFrom),
    validTo: date(raw.validTo),
    gateFrom: date(raw.gateFrom),
    gateTo: date(raw.gateTo),
    rowsTrain: Number(raw.rowsTrain ?? 0),
    rowsValid: Number(raw.rowsValid ?? 0),
    split: raw.split === 'random' ? 'random' : 'out-of-time',
  };
}

function toVersion(r: VersionRow): ModelVersion {
  return {
    version: r.version,
    kind: r.kind,
    createdAt: r.created_at,
    algorithm: r.algorithm,
    params: JSON.parse(r.params) as Record<string, unknown>,
    source: r.source,
    window: parseWindow(r.training_window),
    features: JSON.parse(r.features) as ModelFeature[],
    featureHash: r.feature_hash,
    featureSetHash: r.feature_set_hash,
    metrics: JSON.parse(r.metrics) as Record<string, unknown>,
    artifactPath: r.artifact_path,
    runId: r.run_id,
    parentRun: r.parent_run,
    parentVersion: r.parent_version,
    description: r.description,
    aliases: (r.aliases ?? []) as Alias[],
  };
}

/** Records a trained version (its files must already be in place). */
export async function registerVersion(wh: Warehouse, input: NewModelVersion): Promise<ModelVersion> {
  const version = input.version ?? newVersionId(input.kind, input.createdAt);
  const featureHash = input.featureHash ?? stableHash(input.featureHashInput ?? input.features);
  const w = input.window;
  const existing = await wh.query<{ n: number }>('SELECT count(*) AS n FROM model_versions WHERE version = $v', { v: version });
  if ((existing[0]?.n ?? 0) > 0) throw new RegistryError(`version ${version} is already registered; versions are immutable`);
  await wh.run(
    `INSERT INTO model_versions (version, kind, created_at, algorithm, params, source, train_from, train_to, valid_from, valid_to,
       training_window, features, feature_hash, feature_set_hash, metrics, artifact_path, run_id, parent_run, parent_version, description)
     VALUES ($version, $kind, $created_at, $algorithm, $params, $source, $train_from, $train_to, $valid_from, $valid_to,
       $training_window, $features, $feature_hash, $feature_set_hash, $metrics, $artifact_path, $run_id, $parent_run, $parent_version, $description)`,
    {
      version,
      kind: input.kind,
      created_at: input.createdAt ?? new Date(),
      algorithm: input.algorithm,
      params: toJson(input.params),
      source: input.source,
      train_from: w.trainFrom,
      train_to: w.trainTo,
      valid_from: w.validFrom,
      valid_to: w.validTo,
      training_window: toJson(w),
      features: toJson(input.features),
      feature_hash: featureHash,
      feature_set_hash: input.featureSetHash ?? null,
      metrics: toJson(input.metrics),
      artifact_path: input.artifactPath,
      run_id: input.runId,
      parent_run: input.parentRun ?? null,
      parent_version: input.parentVersion ?? null,
      description: input.description ?? null,
    },
  );
  return getVersion(wh, version);
}

export async function findVersion(wh: Warehouse, version: string): Promise<ModelVersion | null> {
  const rows = await wh.query<VersionRow>(`${VERSION_SELECT} WHERE v.version = $v`, { v: version });
  return rows[0] ? toVersion(rows[0]) : null;
}

/**
 * A version by id, or by alias (`champion`, `challenger`) within `kind`. A bare alias without
 * a kind means the alias of the only kind that has it.
 */
export async function getVersion(wh: Warehouse, ref: string, options: { kind?: string } = {}): Promise<ModelVersion> {
  if ((ALIASES as readonly string[]).includes(ref)) {
    const rows = await wh.query<{ kind: string; version: string }>(
      'SELECT kind, version FROM model_aliases WHERE alias = $alias AND ($kind IS NULL OR kind = $kind) ORDER BY kind',
      { alias: ref, kind: options.kind ?? null },
    );
    if (rows.length === 0) {
      throw new ModelNotFoundError(
        `no ${ref}${options.kind ? ` for kind ${options.kind}` : ''} yet; train one (dialwise train …) and promote it (dialwise models promote <version>)`,
      );
    }
    if (rows.length > 1) {
      throw new RegistryError(`several kinds have a ${ref} (${rows.map((r) => r.kind).join(', ')}); say which with --kind`);
    }
    return getVersion(wh, rows[0]!.version);
  }
  const found = await findVersion(wh, ref);
  if (!found) throw new ModelNotFoundError(`no model version ${ref}; see \`dialwise models list\``);
  if (options.kind && found.kind !== options.kind) {
    throw new RegistryError(`version ${ref} is a ${found.kind} model, not ${options.kind}`);
  }
  return found;
}

/** Versions, newest first. */
export async function listVersions(wh: Warehouse, options: { kind?: string; limit?: number } = {}): Promise<ModelVersion[]> {
  const rows = await wh.query<VersionRow>(
    `${VERSION_SELECT} WHERE $kind IS NULL OR v.kind = $kind ORDER BY v.created_at DESC, v.version DESC LIMIT $limit`,
    { kind: options.kind ?? null, limit: options.limit ?? 1_000_000 },
  );
  return rows.map(toVersion);
}

export async function listAliases(wh: Warehouse, kind?: string): Promise<AliasRow[]> {
  const rows = await wh.query<{ kind: string; alias: Alias; version: string; assigned_at: Date }>(
    'SELECT kind, alias, version, assigned_at FROM model_aliases WHERE $kind IS NULL OR kind = $kind ORDER BY kind, alias',
    { kind: kind ?? null },
  );
  return rows.map((r) => ({ kind: r.kind, alias: r.alias, version: r.version, assignedAt: r.assigned_at }));
}

/** The version an alias points at, or null. */
export async function aliasVersion(wh: Warehouse, kind: string, alias: Alias): Promise<string | null> {
  const rows = await wh.query<{ version: string }>('SELECT version FROM model_aliases WHERE kind = $kind AND alias = $alias', { kind, alias });
  return rows[0]?.version ?? null;
}

export async function aliasHistory(wh: Warehouse, kind: string, alias?: Alias): Promise<AliasEvent[]> {
  const rows = await wh.query<{
    event_id: number;
    kind: string;
    alias: Alias;
    action: AliasEvent['action'];
    version: string | null;
    previous_version: string | null;
    reason: string | null;
    details: string | null;
    at: Date;
  }>(
    `SELECT event_id, kind, alias, action, version, previous_version, reason, details::VARCHAR AS details, changed_at AS at
     FROM model_alias_history WHERE kind = $kind AND ($alias IS NULL OR alias = $alias) ORDER BY event_id`,
    { kind, alias: alias ?? null },
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    kind: r.kind,
    alias: r.alias,
    action: r.action,
    version: r.version,
    previousVersion: r.previous_version,
    reason: r.reason,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
    at: r.at,
  }));
}

/** Champions of a kind from the first to the current one, as promote/rollback left them. */
export async function championLine(wh: Warehouse, kind: string): Promise<string[]> {
  const stack: string[] = [];
  for (const e of await aliasHistory(wh, kind, 'champion')) {
    if (e.action === 'promote' && e.version) stack.push(e.version);
    else if (e.action === 'rollback') stack.pop();
  }
  return stack;
}

async function writeAlias(
  wh: Warehouse,
  kind: string,
  alias: Alias,
  action: AliasEvent['action'],
  version: string | null,
  reason: string | null,
  details?: Record<string, unknown>,
): Promise<void> {
  const previous = await aliasVersion(wh, kind, alias);
  if (version === null) await wh.run('DELETE FROM model_aliases WHERE kind = $kind AND alias = $alias', { kind, alias });
  else {
    await wh.run(
      `INSERT INTO model_aliases (kind, alias, version, assigned_at) VALUES ($kind, $alias, $version, now())
       ON CONFLICT (kind, alias) DO UPDATE SET version = excluded.version, assigned_at = excluded.assigned_at`,
      { kind, alias, version },
    );
  }
  await wh.run(
    `INSERT INTO model_alias_history (event_id, kind, alias, action, version, previous_version, reason, details)
     VALUES (nextval('model_alias_event_seq'), $kind, $alias, $action, $version, $previous, $reason, $details)`,
    { kind, alias, action, version, previous, reason, details: details ? toJson(details) : null },
  );
}

/** Points `challenger` at a version (a candidate that is not, or not yet, champion). */
export async function setChallenger(wh: Warehouse, version: string, reason: string | null = null): Promise<void> {
  const v = await getVersion(wh, version);
  await wh.transaction(async (tx) => writeAlias(tx, v.kind, 'challenger', 'set', v.version, reason));
}

export interface PromotionResult {
  kind: string;
  champion: string;
  previous: string | null;
}

/**
 * Makes a version its kind's champion (unconditionally: the gate is `promoteIfBetter` in
 * models/evaluation). If it was the challenger, the challenger alias is cleared.
 */
export async function promote(
  wh: Warehouse,
  version: string,
  options: { reason?: string; details?: Record<string, unknown> } = {},
): Promise<PromotionResult> {
  const v = await getVersion(wh, version);
  return wh.transaction(async (tx) => {
    const previous = await aliasVersion(tx, v.kind, 'champion');
    if (previous === v.version) throw new RegistryError(`${v.version} is already the ${v.kind} champion`);
    await writeAlias(tx, v.kind, 'champion', 'promote', v.version, options.reason ?? 'manual promotion', options.details);
    if ((await aliasVersion(tx, v.kind, 'challenger')) === v.version) {
      await writeAlias(tx, v.kind, 'challenger', 'clear', null, `promoted to champion`);
    }
    return { kind: v.kind, champion: v.version, previous };
  });
}

export interface RollbackResult {
  kind: string;
  /** The champion now (restored). */
  champion: string;
  /** The champion that was rolled back. */
  rolledBack: string;
}

/** Restores the champion in force before the current one. */
export async function rollback(wh: Warehouse, kind: string, options: { reason?: string } = {}): Promise<RollbackResult> {
  return wh.transaction(async (tx) => {
    const line = await championLine(tx, kind);
    const current = line.at(-1);
    const restored = line.at(-2);
    if (current === undefined) throw new RegistryError(`kind ${kind} has no champion to roll back`);
    if (restored === undefined) {
      throw new RegistryError(`${current} is the first ${kind} champion; there is no earlier one to roll back to`);
    }
    await writeAlias(tx, kind, 'champion', 'rollback', restored, options.reason ?? 'manual rollback', { rolledBack: current });
    return { kind, champion: restored, rolledBack: current };
  });
}

export interface EvaluationRecord {
  version: string;
  kind: string;
  windowFrom: Date | null;
  windowTo: Date | null;
  rows: number;
  metrics: Record<string, unknown>;
  purpose: 'gate' | 'manual';
}

export async function recordEvaluation(wh: Warehouse, e: EvaluationRecord): Promise<number> {
  const { id } = await wh.one<{ id: number }>(`SELECT nextval('model_evaluation_seq') AS id`);
  await wh.run(
    `INSERT INTO model_evaluations (evaluation_id, version, kind, window_from, window_to, rows, metrics, purpose)
     VALUES ($id, $version, $kind, $from, $to, $rows, $metrics, $purpose)`,
    { id, version: e.version, kind: e.kind, from: e.windowFrom, to: e.windowTo, rows: e.rows, metrics: toJson(e.metrics), purpose: e.purpose },
  );
  return id;
}

export async function evaluationsOf(wh: Warehouse, version: string): Promise<(EvaluationRecord & { evaluationId: number; evaluatedAt: Date })[]> {
  const rows = await wh.query<{
    evaluation_id: number;
    version: string;
    kind: string;
    window_from: Date | null;
    window_to: Date | null;
    rows: number;
    metrics: string;
    purpose: 'gate' | 'manual';
    evaluated_at: Date;
  }>(
    `SELECT evaluation_id, version, kind, window_from, window_to, rows, metrics::VARCHAR AS metrics, purpose, evaluated_at
     FROM model_evaluations WHERE version = $version ORDER BY evaluation_id`,
    { version },
  );
  return rows.map((r) => ({
    evaluationId: r.evaluation_id,
    version: r.version,
    kind: r.kind,
    windowFrom: r.window_from,
    windowTo: r.window_to,
    rows: r.rows,
    metrics: JSON.parse(r.metrics) as Record<string, unknown>,
    purpose: r.purpose,
    evaluatedAt: r.evaluated_at,
  }));
}

export interface GateDecisionRecord {
  kind: string;
  candidate: string;
  champion: string | null;
  windowFrom: Date | null;
  windowTo: Date | null;
  metric: string;
  margin: number;
  candidateValue: number | null;
  championValue: number | null;
  promoted: boolean;
  reason: string;
}

export async function recordGateDecision(wh: Warehouse, d: GateDecisionRecord): Promise<number> {
  const { id } = await wh.one<{ id: number }>(`SELECT nextval('model_gate_seq') AS id`);
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  await wh.run(
    `INSERT INTO model_gate_decisions (gate_id, kind, candidate, champion, window_from, window_to, metric, margin,
       candidate_value, champion_value, promoted, reason)
     VALUES ($id, $kind, $candidate, $champion, $from, $to, $metric, $margin, $cv, $chv, $promoted, $reason)`,
    {
      id,
      kind: d.kind,
      candidate: d.candidate,
      champion: d.champion,
      from: d.windowFrom,
      to: d.windowTo,
      metric: d.metric,
      margin: d.margin,
      cv: finite(d.candidateValue),
      chv: finite(d.championValue),
      promoted: d.promoted,
      reason: d.reason,
    },
  );
  return id;
}

export async function gateDecisionsOf(wh: Warehouse, version: string): Promise<(GateDecisionRecord & { gateId: number; decidedAt: Date })[]> {
  const rows = await wh.query<{
    gate_id: number;
    kind: string;
    candidate: string;
    champion: string | null;
    window_from: Date | null;
    window_to: Date | null;
    metric: string;
    margin: number;
    candidate_value: number | null;
    champion_value: number | null;
    promoted: boolean;
    reason: string;
    decided_at: Date;
  }>(
    `SELECT * FROM model_gate_decisions WHERE candidate = $version OR champion = $version ORDER BY gate_id`,
    { version },
  );
  return rows.map((r) => ({
    gateId: r.gate_id,
    kind: r.kind,
    candidate: r.candidate,
    champion: r.champion,
    windowFrom: r.window_from,
    windowTo: r.window_to,
    metric: r.metric,
    margin: r.margin,
    candidateValue: r.candidate_value,
    championValue: r.champion_value,
    promoted: r.promoted,
    reason: r.reason,
    decidedAt: r.decided_at,
  }));
}
