import type { FastifyInstance } from 'fastify';
import { AGGREGATES } from '../auth/roles.ts';
import { NotFoundError } from '../server/errors.ts';
import type { Snapshot } from '../server/snapshot.ts';
import { cached, fin, iso, needWarehouse, type ApiDeps } from './context.ts';
import { arr, bool, int, MetaSchema, nint, nnum, nstr, num, obj, query, responses, str } from './schemas.ts';

const MODELS = `SELECT version, kind, algorithm, created_at, train_from, train_to, valid_from, valid_to, champion, challenger, metrics
                FROM models WHERE ($kind::VARCHAR IS NULL OR kind = $kind) ORDER BY created_at, version`;
const MODEL = 'SELECT version, kind, metrics FROM models WHERE version = $version';
const CHAMPION = 'SELECT version, kind, metrics FROM models WHERE kind = $kind AND champion';

const KINDS = ['conversion', 'contact'] as const;
const kindQuery = { kind: { type: 'string', enum: [...KINDS], description: 'model kind' } };
const versionParams = { type: 'object', additionalProperties: false, required: ['version'], properties: { version: { type: 'string', pattern: '^[A-Za-z0-9@._:-]{1,128}$', description: 'a model version, or `champion`' } } };

/** Stored metrics (models/ writes them; only the fields read here matter). */
interface Metrics {
  summary?: { rocAuc?: number; prAuc?: number; logLoss?: number; brier?: number; ece?: number };
  valid?: {
    rows?: number;
    calibration?: { lower: number; upper: number; share: number; rows: number; meanPredicted: number | null; observedRate: number | null }[];
    deciles?: { decile: number; rows: number; rate: number; meanPredicted: number; lift: number; cumulativeGain: number; cumulativeLift: number }[];
  };
  topFeaturesByShap?: { feature: string; value: number }[];
  topFeaturesByGain?: { feature: string; value: number }[];
}

async function findModel(snap: Snapshot, version: string, kind: string | undefined): Promise<{ version: string; kind: string; metrics: Metrics }> {
  const rows =
    version === 'champion'
      ? await snap.query<{ version: string; kind: string; metrics: string }>(CHAMPION, { kind: kind ?? 'conversion' })
      : await snap.query<{ version: string; kind: string; metrics: string }>(MODEL, { version });
  const row = rows[0];
  if (!row) throw new NotFoundError(version === 'champion' ? `no champion ${kind ?? 'conversion'} model yet` : `no model version "${version}" (GET /api/models lists them)`);
  return { version: row.version, kind: row.kind, metrics: JSON.parse(row.metrics) as Metrics };
}

const Head = { meta: MetaSchema, version: str, kind: str };

export function modelRoutes(api: FastifyInstance, deps: ApiDeps): void {
  api.get(
    '/models',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['models'],
        summary: 'Model versions with their validation metrics, oldest first',
        querystring: query(kindQuery),
        response: responses(
          obj({
            meta: MetaSchema,
            models: arr(
              obj({
                version: str, kind: str, algorithm: str, created_at: str, champion: bool, challenger: bool,
                train_from: nstr, train_to: nstr, valid_from: nstr, valid_to: nstr, valid_rows: nint,
                roc_auc: nnum, pr_auc: nnum, log_loss: nnum, brier: nnum, ece: nnum,
              }),
            ),
          }),
        ),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const { kind } = request.query as { kind?: string };
          const rows = await snap.query<Record<string, unknown>>(MODELS, { kind: kind ?? null });
          return {
            meta: snap.meta,
            models: rows.map((r) => {
              const m = JSON.parse(String(r.metrics)) as Metrics;
              return {
                version: String(r.version),
                kind: String(r.kind),
                algorithm: String(r.algorithm),
                created_at: iso(r.created_at) ?? '',
                champion: Boolean(r.champion),
                challenger: Boolean(r.challenger),
                train_from: iso(r.train_from),
                train_to: iso(r.train_to),
                valid_from: iso(r.valid_from),
                valid_to: iso(r.valid_to),
                valid_rows: fin(m.valid?.rows),
                roc_auc: fin(m.summary?.rocAuc),
                pr_auc: fin(m.summary?.prAuc),
                log_loss: fin(m.summary?.logLoss),
                brier: fin(m.summary?.brier),
                ece: fin(m.summary?.ece),
              };
            }),
          };
        }),
      ),
  );

  api.get(
    '/models/:version/calibration',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['models'],
        summary: 'Calibration curve on the validation window',
        params: versionParams,
        querystring: query(kindQuery),
        response: responses(obj({ ...Head, bins: arr(obj({ lower: num, upper: num, mean_predicted: nnum, observed_rate: nnum, rows: int, share: num })) }), [404]),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const m = await findModel(snap, (request.params as { version: string }).version, (request.query as { kind?: string }).kind);
          const bins = (m.metrics.valid?.calibration ?? []).map((b) => ({
            lower: b.lower, upper: b.upper, mean_predicted: fin(b.meanPredicted), observed_rate: fin(b.observedRate), rows: b.rows, share: b.share,
          }));
          return { meta: snap.meta, version: m.version, kind: m.kind, bins };
        }),
      ),
  );

  api.get(
    '/models/:version/lift',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['models'],
        summary: 'Lift and cumulative gain by score decile on the validation window',
        params: versionParams,
        querystring: query(kindQuery),
        response: responses(
          obj({ ...Head, deciles: arr(obj({ decile: int, rows: int, rate: nnum, mean_predicted: nnum, lift: nnum, cumulative_gain: nnum, cumulative_lift: nnum })) }),
          [404],
        ),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const m = await findModel(snap, (request.params as { version: string }).version, (request.query as { kind?: string }).kind);
          const deciles = (m.metrics.valid?.deciles ?? []).map((d) => ({
            decile: d.decile, rows: d.rows, rate: fin(d.rate), mean_predicted: fin(d.meanPredicted), lift: fin(d.lift), cumulative_gain: fin(d.cumulativeGain), cumulative_lift: fin(d.cumulativeLift),
          }));
          return { meta: snap.meta, version: m.version, kind: m.kind, deciles };
        }),
      ),
  );

  api.get(
    '/models/:version/features',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['models'],
        summary: 'Top features by mean |SHAP| and by gain',
        params: versionParams,
        querystring: query(kindQuery),
        response: responses(obj({ ...Head, by_shap: arr(obj({ feature: str, value: num })), by_gain: arr(obj({ feature: str, value: num })) }), [404]),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const m = await findModel(snap, (request.params as { version: string }).version, (request.query as { kind?: string }).kind);
          const list = (xs: { feature: string; value: number }[] | undefined) => (xs ?? []).filter((x) => Number.isFinite(x.value)).map((x) => ({ feature: x.feature, value: x.value }));
          return { meta: snap.meta, version: m.version, kind: m.kind, by_shap: list(m.metrics.topFeaturesByShap), by_gain: list(m.metrics.topFeaturesByGain) };
        }),
      ),
  );
}
