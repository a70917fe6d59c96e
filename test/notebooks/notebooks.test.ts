import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../cli/simulate/loop.ts';
import { assertNotebookTooling, runNotebook, text, type RunResult } from '../../notebooks/runner.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';

const DIR = join(import.meta.dirname, '..', '..', 'notebooks');
const files = readdirSync(DIR).filter((f) => f.endsWith('.ipynb')).sort();

/**
 * Every notebook, executed headlessly (nbclient, the TypeScript (Dialwise) kernel) on a small
 * simulated call centre — the demo's kind of data, smaller. Missing Jupyter or kernel fails the
 * suite with the set-up command; it does not skip.
 */
describe('notebooks run top to bottom', () => {
  const { dir, cleanup } = tempDir('dialwise-notebooks-');

  let broken: Promise<RunResult> | null = null;

  beforeAll(async () => {
    await assertNotebookTooling();
    // The broken notebook needs no data: it runs in its own kernel while the data is built.
    broken = runBrokenNotebook(dir);
    broken.catch(() => undefined); // awaited in its test
    // generate → ingest → two nights (features, segments, both models, publish) and dialing days
    const wh = await Warehouse.open(dir);
    try {
      await simulate(wh, { dataDir: dir, customers: 600, days: 2, seed: 7, historyDays: 30, dialsPerDay: 150, lines: 5, exploration: 0.1, k: 3 });
    } finally {
      await wh.close();
    }
  }, 300_000);
  afterAll(() => cleanup());

  // one after the other: three of them open the warehouse for writing
  it.each(files)('%s runs without a failed cell, and every chart cell shows a chart', async (file) => {
    const result = await runNotebook(join(DIR, file), { dataDir: dir, timeoutSeconds: 300 });
    expect(result.problems).toEqual([]);
    const charts = result.executed!.cells.filter((c) => c.metadata.tags?.includes('chart'));
    expect(charts.length).toBeGreaterThan(0);
  }, 400_000);

  it('reports the failing cell and its error, from a notebook outside the repository', async () => {
    const result = await broken!;
    // the first cell ran (the SDK resolves from any folder); the type error in the second failed it
    const first = result.executed!.cells[0]!.outputs ?? [];
    expect(first.map((o) => [o.name, text(o.text)])).toEqual([['stdout', 'function\n']]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(/^cell 2 failed: .*not assignable to type 'number'/s);
  }, 120_000);
});

/** A notebook outside the repository whose second cell has a type error. */
function runBrokenNotebook(dir: string): Promise<RunResult> {
  const path = join(dir, 'broken.ipynb');
  const cell = (source: string) => ({ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null });
  writeFileSync(path, JSON.stringify({
    cells: [cell("import { histogram } from 'dialwise';\nconsole.log(typeof histogram);"), cell('const n: number = histogram;')],
    metadata: { kernelspec: { name: 'dialwise', display_name: 'TypeScript (Dialwise)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  }));
  return runNotebook(path, { dataDir: join(dir, 'no-data-needed'), timeoutSeconds: 300 });
}
