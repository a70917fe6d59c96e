import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../server/errors.ts';
import type { Authenticator, Principal, Role } from './tokens.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** roles allowed on this route; an /api route without it is closed to everyone */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Who may call what (dashboards/API.md). */
export const AGGREGATES: readonly Role[] = ['viewer', 'analyst', 'admin'];
export const LEAD_LEVEL: readonly Role[] = ['analyst', 'dialer', 'admin'];
export const EVERYONE: readonly Role[] = ['viewer', 'analyst', 'dialer', 'admin'];
export const ADMIN: readonly Role[] = ['admin'];

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Authentication and role check for every /api route, before validation (so a caller without
 * a token learns nothing about parameters) and before any data is read.
 */
export function registerAuth(app: FastifyInstance, tokens: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    // by the route matched as well as the raw URL, so no spelling of a path reaches an /api route unchecked
    const route = request.routeOptions.url ?? '';
    if (!route.startsWith('/api/') && !request.url.startsWith('/api/') && request.url !== '/api') return;
    const match = BEARER.exec(request.headers.authorization ?? '');
    const principal = match ? tokens.authenticate(match[1]!) : null;
    if (!principal) throw new UnauthorizedError(match ? 'unknown or revoked token' : undefined);
    request.principal = principal;
    if (request.is404) return; // the not-found handler answers 404 to a known caller
    const roles = request.routeOptions.config.roles ?? [];
    if (!roles.includes(principal.role)) throw new ForbiddenError(principal.role, `${request.method} ${request.routeOptions.url}`);
  });
}

/** Routes each role may call, for /api/me (filled as routes are registered). */
export class RouteDirectory {
  private readonly byRole = new Map<Role, string[]>();

  add(method: string, url: string, roles: readonly Role[]): void {
    for (const role of roles) {
      const list = this.byRole.get(role) ?? [];
      list.push(`${method} ${url}`);
      this.byRole.set(role, list);
    }
  }

  routes(role: Role): string[] {
    return [...(this.byRole.get(role) ?? [])].sort();
  }
}

/** Viewers never see a phone number, even inside free text such as an error message. */
const PHONE_LIKE = /\+?\d[\d ().-]{5,}\d/g;
export function maskPhones(text: string | null): string | null {
  if (text === null) return null;
  return text.replace(PHONE_LIKE, (m) => {
    const digits = m.replace(/\D/g, '').length;
    if (digits < 7) return m;
    let seen = 0;
    return m.replace(/\d/g, (d) => (++seen > digits - 2 ? d : '•'));
  });
}

export function maskFor(principal: Principal | null): (text: string | null) => string | null {
  return principal?.role === 'viewer' ? maskPhones : (t) => t;
}
