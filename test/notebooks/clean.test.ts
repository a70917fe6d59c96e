import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertNotebookTooling, executionProblems, NotebookSetupError, readNotebook, text, uncleanCells, type Notebook } from '../../notebooks/runner.ts';
import { tempDir } from '../helpers/tmp.ts';

const DIR = join(import.meta.dirname, '..', '..', 'notebooks');
const files = readdirSync(DIR).filter((f) => f.endsWith('.ipynb')).sort();

/** Committed notebooks: no outputs, no execution counts, a paragraph first, the Dialwise kernel. */
describe('committed notebooks', () => {
  it('are the five the issue asks for', () => {
    expect(files).toEqual([
      '01-explore-call-logs.ipynb',
      '02-segments.ipynb',
      '03-conversion-model.ipynb',
      '04-best-time-to-call.ipynb',
      '05-feedback-loop.ipynb',
    ]);
  });

  it.each(files)('%s has no outputs or execution counts, opens with what it is for, names the kernel and expects charts', (file) => {
    const nb = readNotebook(join(DIR, file));
    expect(uncleanCells(nb)).toEqual([]);
    expect(nb.metadata.kernelspec?.name).toBe('dialwise');
    const first = nb.cells[0]!;
    expect(first.cell_type).toBe('markdown');
    // a title and one paragraph of what the notebook is for
    const paragraph = text(first.source).split('\n\n').slice(1).join(' ');
    expect(paragraph.split(/\s+/).length).toBeGreaterThan(25);
    expect(nb.cells.filter((c) => c.metadata.tags?.includes('chart')).length).toBeGreaterThan(0);
  });
});

describe('notebook checks', () => {
  const nb = (cells: Notebook['cells']): Notebook => ({ cells, metadata: {}, nbformat: 4 });
  const codeCell = (outputs: Notebook['cells'][number]['outputs'], tags: string[] = [], count: number | null = null) => ({
    cell_type: 'code' as const, source: 'x', metadata: { tags }, outputs, execution_count: count,
  });

  it('flag outputs and execution counts in a committed notebook', () => {
    expect(uncleanCells(nb([codeCell([])]))).toEqual([]);
    expect(uncleanCells(nb([codeCell([{ output_type: 'stream', name: 'stdout', text: 'hi' }], [], 3)]))).toEqual([
      'cell 1 has 1 output(s)',
      'cell 1 has execution count 3',
    ]);
  });

  it('flag a chart cell without a chart and an error output in an executed notebook', () => {
    const svg = { output_type: 'display_data', data: { 'text/html': '<svg width="10"></svg>' } };
    expect(executionProblems(nb([codeCell([svg], ['chart'])]))).toEqual([]);
    expect(executionProblems(nb([codeCell([{ output_type: 'stream', name: 'stdout', text: 'no chart here' }], ['chart'])]))).toEqual([
      'cell 1 should show a chart but has no chart output',
    ]);
    expect(executionProblems(nb([codeCell([{ output_type: 'error' }])]))).toEqual(['cell 1 raised an error']);
  });
});

describe('notebook tooling', () => {
  it('fails, naming scripts/setup.sh, when the kernel is not registered (it does not skip)', async () => {
    const { dir, cleanup } = tempDir('dialwise-nohome-');
    try {
      // a user whose Jupyter has never heard of the kernel
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
      delete env.JUPYTER_PATH;
      delete env.JUPYTER_DATA_DIR;
      const error = await assertNotebookTooling(env).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(NotebookSetupError);
      expect((error as Error).message).toContain('scripts/setup.sh');
    } finally {
      cleanup();
    }
  });
});
