import type { FastifyInstance } from 'fastify';
import { campaignRoutes } from './campaigns.ts';
import type { ApiDeps } from './context.ts';
import { leadRoutes } from './leads.ts';
import { meRoutes } from './me.ts';
import { modelRoutes } from './models.ts';
import { operationsRoutes } from './operations.ts';
import { segmentRoutes } from './segments.ts';

export type { ApiDeps } from './context.ts';

/** Every /api route (registered under the /api prefix). */
export async function registerApi(api: FastifyInstance, deps: ApiDeps): Promise<void> {
  meRoutes(api, deps);
  segmentRoutes(api, deps);
  campaignRoutes(api, deps);
  modelRoutes(api, deps);
  operationsRoutes(api, deps);
  leadRoutes(api, deps);
}
