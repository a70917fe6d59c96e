import type { FastifyInstance } from 'fastify';
import { ADMIN, EVERYONE } from '../auth/roles.ts';
import { ROLES } from '../auth/tokens.ts';
import type { ApiDeps } from './context.ts';
import { arr, bool, int, MetaSchema, nstr, obj, query, responses, str } from './schemas.ts';

export function meRoutes(api: FastifyInstance, deps: ApiDeps): void {
  api.get(
    '/me',
    {
      config: { roles: EVERYONE },
      schema: { tags: ['session'], summary: "The caller's name, role and the routes it may call", querystring: query({}), response: responses(obj({ name: str, role: { type: 'string', enum: [...ROLES] }, routes: arr(str) })) },
    },
    async (request) => ({ name: request.principal!.name, role: request.principal!.role, routes: deps.directory.routes(request.principal!.role) }),
  );

  api.get(
    '/status',
    {
      config: { roles: EVERYONE },
      schema: {
        tags: ['session'],
        summary: 'What is being served: the published run in force and the last warehouse read',
        querystring: query({}),
        response: responses(
          obj({
            meta: MetaSchema,
            published: {
              anyOf: [
                { type: 'null' },
                obj({ run_id: str, as_of: str, created_at: str, model_versions: { type: 'object', additionalProperties: str }, row_counts: { type: 'object', additionalProperties: int } }),
              ],
            },
            warehouse: obj({ read_at: nstr, stale: bool, last_error: nstr }),
          }),
        ),
      },
    },
    (request) =>
      deps.source.use(async (snap) => {
        const p = snap.published;
        return {
          meta: snap.meta,
          published: p ? { run_id: p.runId, as_of: p.manifest.as_of, created_at: p.manifest.created_at, model_versions: p.manifest.model_versions, row_counts: p.manifest.row_counts } : null,
          warehouse: { read_at: snap.cache?.meta.read_at ?? null, stale: snap.stale, last_error: request.principal!.role === 'viewer' ? null : snap.lastError },
        };
      }),
  );

  api.get(
    '/audit',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['session'],
        summary: 'Who read lead-level data, newest first',
        querystring: query({ limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }),
        response: responses(obj({ entries: arr(obj({ at: str, token_name: str, role: str, route: str, params: { type: 'object', additionalProperties: true }, rows: int })) })),
      },
    },
    async (request) => ({ entries: deps.audit.read((request.query as { limit: number }).limit) }),
  );
}
