import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ServeConfigError } from '../server/errors.ts';

export const ROLES = ['viewer', 'analyst', 'dialer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** `<data-dir>/tokens.json` unless `--tokens` names another file. */
export const TOKENS_FILE = 'tokens.json';
/** JSON array of token entries (same shape as the file's `tokens`), for deployments without a file. */
export const TOKENS_ENV = 'DIALWISE_TOKENS';

const TokenEntrySchema = z.object({
  name: z.string().min(1).max(64),
  role: z.enum(ROLES),
  /** hex sha256 of the token; the token itself is never stored */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  created_at: z.string().optional(),
});
export type TokenEntry = z.infer<typeof TokenEntrySchema>;
const TokenFileSchema = z.object({ tokens: z.array(TokenEntrySchema) });

export interface Principal {
  name: string;
  role: Role;
}

/**
 * Tokens are 32 random bytes, so a plain sha256 is enough to store them (no dictionary to
 * attack, unlike passwords); lookups hash the presented token and compare against every
 * stored hash with timingSafeEqual, without stopping at the first match.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class TokenStore {
  private readonly hashes: { entry: TokenEntry; digest: Buffer }[];

  constructor(entries: readonly TokenEntry[]) {
    const names = new Set<string>();
    for (const e of entries) {
      if (names.has(e.name)) throw new ServeConfigError(`token name "${e.name}" appears twice; names identify callers in the audit log`);
      names.add(e.name);
    }
    this.hashes = entries.map((entry) => ({ entry, digest: Buffer.from(entry.sha256, 'hex') }));
  }

  get size(): number {
    return this.hashes.length;
  }

  /** The caller a bearer token belongs to, or null. Constant time in the token's content. */
  authenticate(token: string): Principal | null {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let found: TokenEntry | null = null;
    for (const { entry, digest } of this.hashes) {
      if (timingSafeEqual(presented, digest) && found === null) found = entry;
    }
    return found ? { name: found.name, role: found.role } : null;
  }
}

/** Any object that can authenticate a bearer token (the store, or the reloading wrapper). */
export interface Authenticator {
  authenticate(token: string): Principal | null;
}

/**
 * The token file as it is now: re-read when its mtime changes, so `serve token add|revoke`
 * takes effect on a running server. A broken edit keeps the previous tokens (and is logged).
 */
export class ReloadingTokens implements Authenticator {
  private store: TokenStore;
  private stamp: string;

  constructor(
    private readonly path: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.store = loadTokenStore(path, env);
    this.stamp = fileStamp(path);
  }

  /** Re-reads the file if it changed; returns the error message if the new file is unusable. */
  reload(): string | null {
    const stamp = fileStamp(this.path);
    if (stamp === this.stamp) return null;
    try {
      this.store = loadTokenStore(this.path, this.env);
      this.stamp = stamp;
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  authenticate(token: string): Principal | null {
    return this.store.authenticate(token);
  }
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'absent';
  }
}

export function tokensPath(dataDir: string, file?: string): string {
  return file ?? join(dataDir, TOKENS_FILE);
}

export function readTokenFile(path: string): TokenEntry[] {
  if (!existsSync(path)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ServeConfigError(`${path} is not valid JSON: ${(cause as Error).message}`);
  }
  const parsed = TokenFileSchema.safeParse(raw);
  if (!parsed.success) throw new ServeConfigError(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.tokens;
}

function parseEnvTokens(value: string): TokenEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch (cause) {
    throw new ServeConfigError(`${TOKENS_ENV} must be a JSON array of {name, role, sha256}: ${(cause as Error).message}`);
  }
  const parsed = z.array(TokenEntrySchema).safeParse(raw);
  if (!parsed.success) throw new ServeConfigError(`${TOKENS_ENV}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The token file (if any) plus `DIALWISE_TOKENS` (if set). */
export function loadTokenStore(path: string, env: NodeJS.ProcessEnv = process.env): TokenStore {
  const entries = [...readTokenFile(path), ...(env[TOKENS_ENV] ? parseEnvTokens(env[TOKENS_ENV]) : [])];
  return new TokenStore(entries);
}

/**
 * Creates a token, stores only its hash (file written to a temp name, then renamed; mode 600)
 * and returns the token, which is shown once and cannot be recovered.
 */
export function addToken(path: string, name: string, role: Role): string {
  if (!(ROLES as readonly string[]).includes(role)) throw new ServeConfigError(`role must be one of ${ROLES.join(', ')}, got "${role}"`);
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new ServeConfigError(`token name must be 1–64 letters, digits or . _ @ -, got "${name}"`);
  const entries = readTokenFile(path);
  if (entries.some((e) => e.name === name)) throw new ServeConfigError(`a token named "${name}" exists already in ${path}; revoke it first or pick another name`);
  const token = `dw_${randomBytes(32).toString('base64url')}`;
  entries.push({ name, role, sha256: hashToken(token), created_at: new Date().toISOString() });
  writeTokenFile(path, entries);
  return token;
}

export function revokeToken(path: string, name: string): boolean {
  const entries = readTokenFile(path);
  const kept = entries.filter((e) => e.name !== name);
  if (kept.length === entries.length) return false;
  writeTokenFile(path, kept);
  return true;
}

function writeTokenFile(path: string, entries: TokenEntry[]): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ tokens: entries }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
