import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DISPOSITIONS } from '../../contracts/call-attempt.ts';
import { OutcomeLog, OutcomeLogError, recoverOpenSegments, segmentPath } from '../../dialer/index.ts';
import type { OutcomeRecord } from '../../dialer/index.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function dir(): string {
  const d = tempDir('dialwise-outcomes-');
  cleanups.push(d.cleanup);
  return d.dir;
}

function record(i: number): OutcomeRecord {
  return {
    attempt_id: `a-${i}`,
    campaign_id: 'camp',
    customer_id: `C${i}`,
    phone_hash: `h${i}`,
    started_at: new Date(Date.UTC(2024, 5, 11, 9, 0, i)).toISOString(),
    disposition: 'no_answer',
    ring_seconds: 30,
    talk_seconds: 0,
    converted: false,
    conversion_value: null,
    opted_out: false,
    handled_by: null,
    transferred: false,
    arm: 'explore',
    propensity: 0.001,
    model_versions: { conversion: 'x1' },
    source: 'dialer:test',
  };
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');

describe('outcome log', () => {
  it('writes NDJSON to <id>-<seq>.ndjson.open in fsynced batches and closes by rename', () => {
    const d = dir();
    const synced: number[] = [];
    const log = OutcomeLog.open({ dir: d, dialerId: 'dialer-a', syncEveryRecords: 4, syncEveryMs: 60_000, maxRecordsPerSegment: 10, onSync: (n) => synced.push(n) });
    for (let i = 0; i < 6; i++) log.append(record(i));
    expect(log.currentPath).toBe(segmentPath(d, 'dialer-a', 1, true));
    expect(readdirSync(d)).toEqual(['dialer-a-000001.ndjson.open']);
    expect(synced).toEqual([4]);
    expect(log.synced).toBe(4);
    // the batch of 4 is written and fsynced; the last 2 wait for the next sync
    expect(lines(log.currentPath!).map((l) => JSON.parse(l).attempt_id)).toEqual(['a-0', 'a-1', 'a-2', 'a-3']);
    expect(log.appended).toBe(6);
    for (let i = 6; i < 13; i++) log.append(record(i)); // the 10th record rotates
    expect(readdirSync(d).sort()).toEqual(['dialer-a-000001.ndjson', 'dialer-a-000002.ndjson.open']);
    const closed = log.close();
    expect(closed).toEqual([segmentPath(d, 'dialer-a', 1, false), segmentPath(d, 'dialer-a', 2, false)]);
    expect(readdirSync(d).sort()).toEqual(['dialer-a-000001.ndjson', 'dialer-a-000002.ndjson']);
    expect(log.synced).toBe(13);
    const all = [...lines(closed[0]!), ...lines(closed[1]!)].map((l) => JSON.parse(l) as OutcomeRecord);
    expect(all.map((r) => r.attempt_id)).toEqual(Array.from({ length: 13 }, (_, i) => `a-${i}`));
    expect(all[0]).toEqual(record(0));
    expect(() => log.append(record(99))).toThrow(OutcomeLogError);
    // the next run continues the sequence
    const next = OutcomeLog.open({ dir: d, dialerId: 'dialer-a' });
    next.append(record(13));
    expect(next.currentPath).toBe(segmentPath(d, 'dialer-a', 3, true));
    next.close();
  });

  it('recovery closes .open leftovers, cutting a torn last line, and touches only its own dialer', () => {
    const d = dir();
    const good = [record(1), record(2)].map((r) => JSON.stringify(r) + '\n').join('');
    writeFileSync(join(d, 'dialer-a-000004.ndjson.open'), good + '{"attempt_id":"a-3","campaign_id":"ca');
    writeFileSync(join(d, 'dialer-a-000005.ndjson.open'), '{"attempt_id":"only-a-fragm');
    writeFileSync(join(d, 'dialer-b-000001.ndjson.open'), good);
    const log = OutcomeLog.open({ dir: d, dialerId: 'dialer-a' });
    expect(log.recovered).toEqual([
      { from: join(d, 'dialer-a-000004.ndjson.open'), path: join(d, 'dialer-a-000004.ndjson'), lines: 2, truncatedBytes: 37 },
      { from: join(d, 'dialer-a-000005.ndjson.open'), path: null, lines: 0, truncatedBytes: 27 },
    ]);
    expect(readFileSync(join(d, 'dialer-a-000004.ndjson'), 'utf8')).toBe(good);
    expect(existsSync(join(d, 'dialer-b-000001.ndjson.open'))).toBe(true);
    log.append(record(9));
    expect(log.currentPath).toBe(segmentPath(d, 'dialer-a', 5, true)); // the emptied leftover's number is free again
    log.close();
    // with no dialer id (no dialer running), every leftover is closed
    expect(recoverOpenSegments(d).map((r) => r.path)).toEqual([join(d, 'dialer-b-000001.ndjson')]);
    expect(readdirSync(d).filter((n) => n.endsWith('.open'))).toEqual([]);
  });

  it('refuses to recover over an existing closed segment', () => {
    const d = dir();
    writeFileSync(join(d, 'x-000001.ndjson'), 'a\n');
    writeFileSync(join(d, 'x-000001.ndjson.open'), 'b\n');
    expect(() => OutcomeLog.open({ dir: d, dialerId: 'x' })).toThrow(/already exists/);
  });

  it('survives kill -9: every recovered line parses and nothing fsynced is lost', async () => {
    const d = dir();
    const root = resolve(import.meta.dirname, '../..');
    const child = spawn(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'test/dialer/outcome-writer.child.ts'), d], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    let lastSynced = 0;
    let buffered = '';
    const killedAt = await new Promise<number>((resolveKill, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never synced 3000 records; stderr: ${stderr}`)), 30_000);
      child.stdout.on('data', (b: Buffer) => {
        buffered += b.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const p of parts) {
          const m = /^synced (\d+)$/.exec(p);
          if (m) lastSynced = Number(m[1]);
        }
        if (lastSynced >= 3000 && child.exitCode === null && !child.killed) {
          clearTimeout(timer);
          process.kill(child.pid!, 'SIGKILL');
          resolveKill(lastSynced);
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (${code}); stderr: ${stderr}`));
      });
    });
    await new Promise((r) => child.once('close', r));
    expect(readdirSync(d)).toEqual(['killme-000001.ndjson.open']);
    // what ingest would see after the next start: the recovered, closed segment
    const [rec] = recoverOpenSegments(d, 'killme');
    expect(rec!.path).toBe(join(d, 'killme-000001.ndjson'));
    const text = readFileSync(rec!.path!, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const got = text.slice(0, -1).split('\n');
    expect(got.length).toBeGreaterThanOrEqual(killedAt);
    expect(got.length).toBe(rec!.lines);
    got.forEach((line, i) => {
      const r = JSON.parse(line) as OutcomeRecord; // throws on a torn line
      expect(r.attempt_id).toBe(`kill-${i}`); // in order, none missing
      expect(DISPOSITIONS).toContain(r.disposition);
    });
  }, 60_000);
});
