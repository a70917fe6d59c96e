import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/**
 * Validates every JSON response against its route's schema before it is serialised. Fastify's
 * serialiser alone would silently drop or coerce a field that does not fit; here a mismatch is
 * a 500 with the path of the offending field, so a broken contract fails loudly in tests.
 */
export function registerResponseValidation(app: FastifyInstance): void {
  const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
  const compiled = new WeakMap<object, ValidateFunction>();
  app.addHook('preSerialization', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const schema = responseSchema(request, reply.statusCode);
    if (!schema) return payload;
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    if (!validate(payload)) {
      const e = validate.errors?.[0];
      throw new ApiError(500, 'RESPONSE_INVALID', `response of ${request.routeOptions.url} does not match its schema: ${e?.instancePath || '/'} ${e?.message ?? ''}`);
    }
    return payload;
  });
}

function responseSchema(request: FastifyRequest, status: number): object | null {
  const responses = request.routeOptions.schema?.response as Record<string, Record<string, unknown>> | undefined;
  const s = responses?.[String(status)] ?? responses?.[`${String(status)[0]}xx`];
  if (!s) return null;
  const content = s.content as Record<string, { schema: object }> | undefined;
  if (content) return content['application/json']?.schema ?? null;
  return s;
}
