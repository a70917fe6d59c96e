import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { AuditLog } from '../auth/audit.ts';
import { registerAuth, RouteDirectory } from '../auth/roles.ts';
import type { Authenticator } from '../auth/tokens.ts';
import { registerApi } from '../api/index.ts';
import { ApiError } from './errors.ts';
import type { DataSource } from './source.ts';
import { registerResponseValidation } from './validate.ts';

export interface AppDeps {
  source: DataSource;
  tokens: Authenticator;
  audit: AuditLog;
  /** fastify's pino logger options; false for none (tests) */
  logger?: FastifyServerOptions['logger'];
  /** the pages plugin (dashboards/pages/index.ts); omitted: API and docs only */
  registerPages?: (app: FastifyInstance) => Promise<void>;
}

/**
 * The fastify app: OpenAPI + /docs, the bearer-token/role check on /api, request validation
 * (unknown query parameters refused, not stripped), response validation, errors as
 * `{code, message}`, then the API routes and the pages.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      return reply.status(error.statusCode).send({ code: error.code, message: error.message });
    }
    const fe = error as FastifyError;
    if (fe.validation) {
      const extra = fe.validation.find((v) => v.keyword === 'additionalProperties');
      const name = (extra?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const message = name ? `${fe.validationContext ?? 'request'}: unknown parameter "${name}"` : fe.message;
      return reply.status(400).send({ code: 'BAD_REQUEST', message });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ code: fe.code ?? 'BAD_REQUEST', message: fe.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ code: 'INTERNAL', message: 'internal error; the server log has the details' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}; see /docs` }),
  );

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Dialwise dashboards API', version: '1', description: 'Read-only API over the warehouse and the published run in force. See dashboards/API.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  registerAuth(app, deps.tokens);
  const checkResponse = registerResponseValidation(app);
  const directory = new RouteDirectory();
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && route.config?.roles) {
      for (const method of [route.method].flat()) if (method !== 'HEAD') directory.add(method, route.url, route.config.roles);
    }
  });
  await app.register(async (api) => registerApi(api, { source: deps.source, audit: deps.audit, directory, checkResponse }), { prefix: '/api' });
  if (deps.registerPages) await app.register(async (pages) => deps.registerPages!(pages));
  return app;
}
