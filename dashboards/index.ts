// dashboards/: the read-only API (fastify) over the warehouse and the published run in force, and the pages.
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { AuditLog } from './auth/audit.ts';
import { ReloadingTokens, tokensPath } from './auth/tokens.ts';
import { buildApp } from './server/app.ts';
import { DataSource } from './server/source.ts';

export { addToken, revokeToken, readTokenFile, hashToken, tokensPath, ROLES, TOKENS_ENV, TOKENS_FILE, type Role, type TokenEntry } from './auth/tokens.ts';
export { AuditLog, AUDIT_FILE, type AuditEntry } from './auth/audit.ts';
export { DataSource, type RefreshResult } from './server/source.ts';
export { ApiError, ServeConfigError } from './server/errors.ts';
export { maskPhones } from './auth/roles.ts';

export interface ServerOptions {
  dataDir: string;
  /** token file (default `<data-dir>/tokens.json`); `DIALWISE_TOKENS` adds more */
  tokensFile?: string;
  /** fastify's pino logger options; false (the default) for none */
  logger?: FastifyServerOptions['logger'];
  /** how often to look for a new published run or warehouse change, ms (default 2000; 0 = never) */
  pollMs?: number;
  /** where warehouse reads are cached (default `<data-dir>/dashboards-cache`) */
  cacheDir?: string;
  /** read a changed warehouse only after it stayed unchanged this long (ms; default 5000 when polling) */
  settleMs?: number;
  /** serve the pages from dashboards/pages (default true) */
  pages?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * The dashboards server, ready to `listen` or `inject`: data loaded, routes registered. The
 * returned instance carries `dialwise.source` (to force a refresh in tests); `app.close()`
 * stops polling and releases everything.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance & { dialwise: { source: DataSource; audit: AuditLog } }> {
  const tokens = new ReloadingTokens(tokensPath(options.dataDir, options.tokensFile), options.env ?? process.env);
  const audit = AuditLog.inDataDir(options.dataDir);
  const source = new DataSource({ dataDir: options.dataDir, cacheDir: options.cacheDir, pollMs: options.pollMs, settleMs: options.settleMs });
  const registerPages = options.pages === false ? undefined : (await import('./pages/index.ts')).registerPages;
  const app = await buildApp({ source, tokens, audit, logger: options.logger ?? false, registerPages });
  source.setLogger(app.log);
  await source.start();
  const poll = options.pollMs ?? 2000;
  const tokenTimer =
    poll > 0
      ? setInterval(() => {
          const error = tokens.reload();
          if (error) app.log.warn({ error }, 'token file unusable; keeping the previous tokens');
        }, poll).unref()
      : null;
  app.addHook('onClose', async () => {
    if (tokenTimer) clearInterval(tokenTimer);
    await source.close();
    await audit.close();
  });
  return Object.assign(app, { dialwise: { source, audit } });
}
