import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ApiError } from './errors.ts';

/** Throws a 500 RESPONSE_INVALID when `payload` does not match the route's schema for `status`. */
export type ResponseCheck = (request: FastifyRequest, status: number, payload: unknown) => void;

/**
 * Validates every JSON response against its route's schema before it is serialised. Fastify's
 * serialiser alone would silently drop or coerce a field that does not fit; here a mismatch is
 * a 500 with the path of the offending field, so a broken contract fails loudly in tests.
 *
 * The validators are compiled as the routes are registered (a lazy compile cost the first
 * request of each route tens of milliseconds). Responses a route serialises itself (the
 * per-generation cache in api/context.ts) call the returned check before they are stored; the
 * hook covers every other object payload.
 */
export function registerResponseValidation(app: FastifyInstance): ResponseCheck {
  const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
  const compiled = new WeakMap<object, ValidateFunction>();
  const validatorOf = (schema: object): ValidateFunction => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    return validate;
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    const responses = route.schema?.response as Record<string, Record<string, unknown>> | undefined;
    for (const s of Object.values(responses ?? {})) {
      const schema = jsonSchemaOf(s);
      if (schema) validatorOf(schema);
    }
  });
  const check: ResponseCheck = (request, status, payload) => {
    const schema = responseSchema(request, status);
    if (!schema) return;
    const validate = validatorOf(schema);
    if (!validate(payload)) {
      const e = validate.errors?.[0];
      throw new ApiError(500, 'RESPONSE_INVALID', `response of ${request.routeOptions.url} does not match its schema: ${e?.instancePath || '/'} ${e?.message ?? ''}`);
    }
  };
  app.addHook('preSerialization', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    check(request, reply.statusCode, payload);
    return payload;
  });
  return check;
}

function jsonSchemaOf(s: Record<string, unknown>): object | null {
  const content = s.content as Record<string, { schema: object }> | undefined;
  if (content) return content['application/json']?.schema ?? null;
  return s;
}

function responseSchema(request: FastifyRequest, status: number): object | null {
  const responses = request.routeOptions.schema?.response as Record<string, Record<string, unknown>> | undefined;
  const s = responses?.[String(status)] ?? responses?.[`${String(status)[0]}xx`];
  return s ? jsonSchemaOf(s) : null;
}
