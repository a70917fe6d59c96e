// The dashboard pages as a fastify plugin: the HTML of each page, its static CSS/JS, the
// vendored vega bundles (served locally: the pages must work without internet access) and the
// Vega-Lite specs as JSON. Nothing here reads data; the pages call /api with the user's token.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { DialwiseError } from '../../contracts/index.ts';
import { PAGES, VENDOR_SCRIPTS, renderPage } from './layout.ts';
import { buildSpecs } from './specs/index.ts';

export { PAGES, renderPage, type PageDef, type Card } from './layout.ts';
export { buildSpecs, CHART_BUILDERS, ABANDONED_LIMIT, type ChartId } from './specs/index.ts';

export class PagesSetupError extends DialwiseError {
  constructor(message: string) {
    super('PAGES_SETUP', message);
  }
}

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');

/** The browser builds of vega, vega-lite and vega-embed (UMD bundles that set window globals). */
const VENDOR_PACKAGES: Record<string, string> = {
  'vega.min.js': 'vega',
  'vega-lite.min.js': 'vega-lite',
  'vega-embed.min.js': 'vega-embed',
};

function vendorDirs(): string[] {
  const require = createRequire(import.meta.url);
  return VENDOR_SCRIPTS.map((file) => {
    const pkg = VENDOR_PACKAGES[file]!;
    // The packages' exports hide package.json; their entry files sit in the same build/ folder
    // as the browser bundles.
    const dir = dirname(require.resolve(pkg));
    if (!existsSync(join(dir, file))) {
      throw new PagesSetupError(`${pkg}'s browser bundle ${file} is missing from ${dir}: run npm install (scripts/setup.sh).`);
    }
    return dir;
  });
}

// Pages are not API routes: keep them out of the OpenAPI description (@fastify/swagger reads
// `schema.hide`, which fastify's own schema type does not declare).
const hidden = { hide: true } as FastifySchema;

export async function registerPages(app: FastifyInstance): Promise<void> {
  // Encapsulated, so the static plugin's reply decorators stay out of the API's scope.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root: STATIC_DIR, prefix: '/app/', index: false, maxAge: '5m' });
    const vendorFiles = new Set(VENDOR_SCRIPTS);
    await scope.register(fastifyStatic, {
      root: vendorDirs(),
      prefix: '/app/vendor/',
      decorateReply: false,
      index: false,
      maxAge: '1d',
      // Only the three bundles; the rest of those build folders is not ours to publish.
      allowedPath: (pathName) => vendorFiles.has(pathName.replace(/^\//, '')),
    });

    const specs = JSON.stringify(buildSpecs());
    scope.get('/app/specs.json', { schema: hidden }, async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(specs),
    );

    for (const page of PAGES) {
      const html = renderPage(page);
      scope.get(`/${page.id}`, { schema: hidden }, async (_request, reply) =>
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html),
      );
    }
    const home = `/${PAGES[0]!.id}`;
    scope.get('/', { schema: hidden }, async (request, reply) => {
      // Keep the query string: a shared link to / still carries its filters.
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      return reply.redirect(home + query);
    });
  });
}
