import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MappingSchema } from '../../contracts/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('dialwise ingest --help', () => {
  it('lists every key a mapping file can hold, so the help stays in step with the schema', { timeout: 60_000 }, () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/dialwise.js'), 'ingest', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const listed = run.stdout.split('Mapping file keys')[1] ?? '';
    for (const key of Object.keys(MappingSchema.shape)) expect(listed).toMatch(new RegExp(`^  ${key} `, 'm'));
  });
});
