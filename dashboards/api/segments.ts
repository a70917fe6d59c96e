import type { FastifyInstance } from 'fastify';
import { AGGREGATES } from '../auth/roles.ts';
import { cached, fin, needPublished, type ApiDeps } from './context.ts';
import { arr, int, MetaSchema, nnum, nstr, num, obj, query, responses, str } from './schemas.ts';

const SEGMENTS = `SELECT segment_id, segment_name, size, share, answer_rate, conversion_rate, best_hours, profile
                  FROM segments ORDER BY segment_id`;
const BEST_HOURS = `SELECT segment_id, segment_name, hour_of_week, p_answer FROM segment_hours
                    WHERE ($segment::INTEGER IS NULL OR segment_id = $segment) ORDER BY segment_id, hour_of_week`;

interface SegmentRow {
  segment_id: number;
  segment_name: string;
  size: number;
  share: number;
  answer_rate: number | null;
  conversion_rate: number | null;
  best_hours: number[];
  profile: string;
}

const SegmentSchema = obj({ segment_id: int, segment_name: str, size: int, share: num, answer_rate: nnum, conversion_rate: nnum, best_hours: arr(int) });

export function segmentRoutes(api: FastifyInstance, deps: ApiDeps): void {
  api.get(
    '/segments',
    {
      config: { roles: AGGREGATES },
      schema: { tags: ['segments'], summary: 'Segments of the published run: sizes, answer and conversion rates', querystring: query({}), response: responses(obj({ meta: MetaSchema, segments: arr(SegmentSchema) })) },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needPublished(snap);
          const rows = await snap.query<SegmentRow>(SEGMENTS);
          return {
            meta: snap.meta,
            segments: rows.map((r) => ({
              segment_id: r.segment_id,
              segment_name: r.segment_name,
              size: r.size,
              share: r.share,
              answer_rate: fin(r.answer_rate),
              conversion_rate: fin(r.conversion_rate),
              best_hours: r.best_hours ?? [],
            })),
          };
        }),
      ),
  );

  api.get(
    '/segments/profiles',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['segments'],
        summary: 'Feature z-scores by segment (profile heatmap)',
        querystring: query({}),
        response: responses(obj({ meta: MetaSchema, features: arr(str), cells: arr(obj({ segment_id: int, segment_name: str, feature: str, z: nnum })) })),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needPublished(snap);
          const rows = await snap.query<SegmentRow>(SEGMENTS);
          const features: string[] = [];
          const cells: { segment_id: number; segment_name: string; feature: string; z: number | null }[] = [];
          for (const r of rows) {
            const z = JSON.parse(r.profile || '{}') as Record<string, unknown>;
            for (const [feature, value] of Object.entries(z)) {
              if (!features.includes(feature)) features.push(feature);
              cells.push({ segment_id: r.segment_id, segment_name: r.segment_name, feature, z: fin(value) });
            }
          }
          return { meta: snap.meta, features, cells };
        }),
      ),
  );

  api.get(
    '/segments/best-hours',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['segments'],
        summary: 'Mean published p_answer per segment by local weekday × hour',
        querystring: query({ segment: { type: 'integer', minimum: 0, maximum: 100000 } }),
        response: responses(obj({ meta: MetaSchema, cells: arr(obj({ segment_id: int, segment_name: nstr, weekday: int, hour: int, hour_of_week: int, p_answer: nnum })) })),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needPublished(snap);
          const { segment } = request.query as { segment?: number };
          const rows = await snap.query<{ segment_id: number; segment_name: string | null; hour_of_week: number; p_answer: number }>(BEST_HOURS, { segment: segment ?? null });
          return {
            meta: snap.meta,
            cells: rows.map((r) => ({
              segment_id: r.segment_id,
              segment_name: r.segment_name,
              weekday: Math.floor(r.hour_of_week / 24),
              hour: r.hour_of_week % 24,
              hour_of_week: r.hour_of_week,
              p_answer: fin(r.p_answer),
            })),
          };
        }),
      ),
  );
}
