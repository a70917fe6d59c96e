import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../dashboards/auth/audit.ts';
import { maskPhones } from '../../dashboards/auth/roles.ts';
import { addToken, hashToken, loadTokenStore, readTokenFile, ReloadingTokens, revokeToken, TokenStore } from '../../dashboards/auth/tokens.ts';
import { ServeConfigError } from '../../dashboards/index.ts';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('tokens', () => {
  const { dir, cleanup } = tempDir('dialwise-auth-');
  afterAll(() => cleanup());

  it('stores only the sha256 of a new token, mode 600, and authenticates it to its name and role', () => {
    const file = join(dir, 'tokens.json');
    const token = addToken(file, 'alice', 'viewer');
    expect(token).toMatch(/^dw_[A-Za-z0-9_-]{43}$/);
    const raw = readFileSync(file, 'utf8');
    expect(raw).not.toContain(token);
    expect(raw).toContain(hashToken(token));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const store = loadTokenStore(file, {});
    expect(store.authenticate(token)).toEqual({ name: 'alice', role: 'viewer' });
    expect(store.authenticate(`${token}x`)).toBeNull();
    expect(store.authenticate('')).toBeNull();
  });

  it('refuses a duplicate name, an unknown role and a bad name; revoke removes the token', () => {
    const file = join(dir, 'tokens2.json');
    const token = addToken(file, 'bob', 'analyst');
    expect(() => addToken(file, 'bob', 'viewer')).toThrow(/exists already/);
    expect(() => addToken(file, 'carol', 'root' as 'admin')).toThrow(ServeConfigError);
    expect(() => addToken(file, 'has space', 'viewer')).toThrow(/token name/);
    expect(revokeToken(file, 'bob')).toBe(true);
    expect(revokeToken(file, 'bob')).toBe(false);
    expect(loadTokenStore(file, {}).authenticate(token)).toBeNull();
  });

  it('adds tokens from DIALWISE_TOKENS and rejects a malformed file or variable with the reason', () => {
    const file = join(dir, 'none.json');
    const env = { DIALWISE_TOKENS: JSON.stringify([{ name: 'dialer-1', role: 'dialer', sha256: hashToken('secret-1') }]) };
    expect(loadTokenStore(file, env).authenticate('secret-1')).toEqual({ name: 'dialer-1', role: 'dialer' });
    expect(() => loadTokenStore(file, { DIALWISE_TOKENS: 'nope' })).toThrow(/DIALWISE_TOKENS/);
    expect(() => loadTokenStore(file, { DIALWISE_TOKENS: JSON.stringify([{ name: 'x', role: 'viewer', sha256: 'short' }]) })).toThrow(/sha256/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tokens: [{ name: 'x', role: 'superuser', sha256: hashToken('a') }] }));
    expect(() => readTokenFile(bad)).toThrow(/tokens\.0\.role/);
    expect(() => new TokenStore([{ name: 'x', role: 'viewer', sha256: hashToken('a') }, { name: 'x', role: 'admin', sha256: hashToken('b') }])).toThrow(/twice/);
  });

  it('a running server sees tokens added and revoked in the file', () => {
    const file = join(dir, 'tokens3.json');
    const reloading = new ReloadingTokens(file, {});
    const token = addToken(file, 'dave', 'admin');
    expect(reloading.authenticate(token)).toBeNull();
    expect(reloading.reload()).toBeNull();
    expect(reloading.authenticate(token)).toEqual({ name: 'dave', role: 'admin' });
    revokeToken(file, 'dave');
    reloading.reload();
    expect(reloading.authenticate(token)).toBeNull();
    // a broken edit keeps the tokens that were in force, and says why
    const other = addToken(file, 'erin', 'viewer');
    reloading.reload();
    writeFileSync(file, '{ "tokens": [ broken');
    expect(reloading.reload()).toMatch(/not valid JSON/);
    expect(reloading.authenticate(other)).toEqual({ name: 'erin', role: 'viewer' });
  });

  it('`dialwise serve token add` prints the token once and stores its hash', { timeout: 120_000 }, () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/dialwise.js'), 'serve', 'token', ...args, '--data-dir', dir], { cwd: ROOT, encoding: 'utf8' });
    const added = run('add', '--role', 'analyst', '--name', 'frank');
    expect(added.status, added.stderr).toBe(0);
    const token = added.stdout.trim();
    expect(token).toMatch(/^dw_/);
    expect(loadTokenStore(join(dir, 'tokens.json'), {}).authenticate(token)).toEqual({ name: 'frank', role: 'analyst' });
    const listed = run('list');
    expect(listed.stdout).toMatch(/frank\s+analyst/);
    expect(listed.stdout).not.toContain(token);
  });
});

describe('masking and audit', () => {
  it('masks every phone-like number but its last two digits, and leaves other numbers alone', () => {
    expect(maskPhones('call +44 7700 900123 failed')).toBe('call +•• •••• ••••23 failed');
    expect(maskPhones('number 0044-20-7946-0958, row 12')).toBe('number ••••-••-••••-••58, row 12');
    expect(maskPhones('step 3 of 9: 1200 rows in 2.5 s')).toBe('step 3 of 9: 1200 rows in 2.5 s');
    expect(maskPhones(null)).toBeNull();
  });

  it('the audit log appends one JSON line per read and reads newest first', async () => {
    const { dir, cleanup } = tempDir('dialwise-audit-');
    try {
      const log = AuditLog.inDataDir(dir);
      await log.record({ name: 'a', role: 'analyst' }, 'GET /api/scores', { limit: 5 }, 5);
      await log.record({ name: 'd', role: 'dialer' }, 'GET /api/leads/:customer_id', { customer_id: 'C1' }, 1);
      await log.close();
      const lines = readFileSync(log.path, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(2);
      const again = AuditLog.inDataDir(dir);
      await again.record({ name: 'a', role: 'analyst' }, 'GET /api/scores', { limit: 1 }, 1);
      await again.close();
      const entries = again.read(10);
      expect(entries.map((e) => e.token_name)).toEqual(['a', 'd', 'a']);
      expect(entries[1]).toMatchObject({ route: 'GET /api/leads/:customer_id', params: { customer_id: 'C1' }, rows: 1 });
      expect(again.read(1)).toHaveLength(1);
    } finally {
      cleanup();
    }
  });

  it('concurrent reads: every line is in the file, whole, by the time its record resolves', async () => {
    const { dir, cleanup } = tempDir('dialwise-audit-');
    try {
      const log = AuditLog.inDataDir(dir);
      const n = 500;
      const seen: boolean[] = [];
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          log.record({ name: `t${i % 7}`, role: 'dialer' }, 'GET /api/scores/:customer_id', { customer_id: `C${i}` }, 1).then(() => {
            // written before the route may answer: the line is already there
            seen[i] = readFileSync(log.path, 'utf8').includes(`"customer_id":"C${i}"}`);
          }),
        ),
      );
      expect(seen.filter(Boolean)).toHaveLength(n);
      await log.close();
      const lines = readFileSync(log.path, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(n);
      const ids = lines.map((l) => (JSON.parse(l) as { params: { customer_id: string } }).params.customer_id);
      expect(new Set(ids).size).toBe(n);
      expect(statSync(log.path).mode & 0o777).toBe(0o600);
    } finally {
      cleanup();
    }
  });

  it('a record that cannot be written rejects (the route answers 500 rather than unaudited)', async () => {
    const { dir, cleanup } = tempDir('dialwise-audit-');
    try {
      // the log's path is taken by a directory
      const log = new AuditLog(dir);
      await expect(log.record({ name: 'a', role: 'analyst' }, 'GET /api/scores', {}, 1)).rejects.toThrow();
      await log.close();
    } finally {
      cleanup();
    }
  });
});
