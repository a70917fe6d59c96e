import type { FastifyInstance } from 'fastify';

/**
 * Placeholder until the pages land (see dashboards/API.md): the pages engineer replaces this file
 * with the real pages plugin. It serves a one-line index so `dialwise serve` has a front door.
 */
export async function registerPages(app: FastifyInstance): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send('<!doctype html><title>Dialwise</title><p>Dialwise API: see <a href="/docs">/docs</a>.</p>'),
  );
}
