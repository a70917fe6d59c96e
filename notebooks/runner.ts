import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DialwiseError } from '../contracts/index.ts';
import { KERNEL_NAME, LAUNCHER } from './kernel/install.ts';

/**
 * Runs notebooks headlessly (nbclient, Debian's Python) with the TypeScript (Dialwise) kernel,
 * and checks them: committed notebooks carry no outputs; executed ones have no failed cell and
 * an SVG in every cell tagged `chart`.
 */

const PYTHON = '/usr/bin/python3';
const EXECUTE = join(dirname(fileURLToPath(import.meta.url)), 'kernel', 'execute.py');
const SETUP_HINT = 'run `bash scripts/setup.sh` (it installs Jupyter and registers the TypeScript (Dialwise) kernel)';

export class NotebookSetupError extends DialwiseError {
  constructor(message: string) {
    super('NOTEBOOK_SETUP', `${message}: ${SETUP_HINT}`);
  }
}

export class NotebookFormatError extends DialwiseError {
  constructor(message: string) {
    super('NOTEBOOK_FORMAT', message);
  }
}

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
}

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  metadata: { tags?: string[] } & Record<string, unknown>;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: { kernelspec?: { name?: string } } & Record<string, unknown>;
  nbformat: number;
}

export const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join('') : (v ?? ''));

export function readNotebook(path: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new NotebookFormatError(`${path} is not a JSON notebook: ${(cause as Error).message}`);
  }
  const nb = parsed as Notebook;
  if (!Array.isArray(nb.cells) || nb.nbformat !== 4) throw new NotebookFormatError(`${path} is not an nbformat 4 notebook`);
  return nb;
}

/** Problems that keep a notebook from being committed: outputs and execution counts (diffs stay readable). */
export function uncleanCells(nb: Notebook): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    if (cell.outputs && cell.outputs.length > 0) problems.push(`cell ${i + 1} has ${cell.outputs.length} output(s)`);
    if (cell.execution_count !== null && cell.execution_count !== undefined) problems.push(`cell ${i + 1} has execution count ${cell.execution_count}`);
  });
  return problems;
}

/** True when an output carries a rendered chart (the SVG our charts display). */
function hasChart(outputs: readonly NotebookOutput[]): boolean {
  return outputs.some((o) => {
    const d = o.data ?? {};
    return text(d['text/html']).includes('<svg') || text(d['image/svg+xml']).includes('<svg') || text(d['image/png']).length > 0;
  });
}

/** Problems in an executed notebook: a cell that failed, or a `chart` cell that shows no chart. */
export function executionProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    const outputs = cell.outputs ?? [];
    for (const o of outputs) if (o.output_type === 'error') problems.push(`cell ${i + 1} raised an error`);
    if ((cell.metadata.tags ?? []).includes('chart') && !hasChart(outputs)) problems.push(`cell ${i + 1} should show a chart but has no chart output`);
  });
  return problems;
}

export interface RunResult {
  notebook: string;
  executed: Notebook | null;
  /** Empty when every cell ran and every chart cell shows a chart. */
  problems: string[];
  seconds: number;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Fails with the fix when Debian's Python, nbclient or the registered kernel is missing. */
export async function assertNotebookTooling(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!existsSync(PYTHON)) throw new NotebookSetupError(`${PYTHON} is missing`);
  const probe = await run(PYTHON, ['-c', 'import nbclient, nbformat'], env, 60_000);
  if (probe.code !== 0) throw new NotebookSetupError('nbclient/nbformat are not importable by /usr/bin/python3');
  const specs = await run(PYTHON, ['-m', 'jupyter_client.kernelspecapp', 'list', '--json'], env, 60_000);
  let spec: { spec?: { argv?: string[] } } | undefined;
  try {
    spec = (JSON.parse(specs.stdout) as { kernelspecs: Record<string, { spec?: { argv?: string[] } }> }).kernelspecs[KERNEL_NAME];
  } catch {
    throw new NotebookSetupError(`cannot list Jupyter kernels (${specs.stderr.trim().split('\n').at(-1) ?? ''})`);
  }
  if (!spec) throw new NotebookSetupError(`the Jupyter kernel "${KERNEL_NAME}" is not registered`);
  if (!spec.spec?.argv?.includes(LAUNCHER)) {
    throw new NotebookSetupError(`the Jupyter kernel "${KERNEL_NAME}" starts ${spec.spec?.argv?.join(' ')}, not this checkout's ${LAUNCHER}`);
  }
}

/**
 * Executes a notebook with the kernel in its own folder, on the data in `dataDir`
 * (DIALWISE_HOME), and returns its problems (failed cell with its stderr, charts missing).
 */
export async function runNotebook(path: string, options: { dataDir: string; timeoutSeconds?: number; outputDir?: string }): Promise<RunResult> {
  const started = performance.now();
  const out = options.outputDir ?? mkdtempSync(join(tmpdir(), 'dialwise-nb-'));
  const executedPath = join(out, basename(path));
  const timeout = options.timeoutSeconds ?? 600;
  try {
    const env = { ...process.env, DIALWISE_HOME: resolve(options.dataDir), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
    const r = await run(PYTHON, ['-Xfrozen_modules=off', EXECUTE, resolve(path), executedPath, KERNEL_NAME, String(timeout)], env, (timeout + 120) * 1000);
    const executed = existsSync(executedPath) ? readNotebook(executedPath) : null;
    const problems: string[] = [];
    let status: { ok: boolean; error: string | null } | null = null;
    try {
      status = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as { ok: boolean; error: string | null };
    } catch {
      problems.push(`nbclient did not report (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    }
    if (status && !status.ok && executed) {
      // the failing cell is the last one that ran; tslab writes its error on stderr
      const ran = executed.cells.map((c, i) => ({ c, i })).filter(({ c }) => c.cell_type === 'code' && c.execution_count != null);
      const last = ran.at(-1);
      const stderr = last ? (last.c.outputs ?? []).filter((o) => o.name === 'stderr').map((o) => text(o.text)).join('') : '';
      problems.push(`cell ${last ? last.i + 1 : '?'} failed: ${stderr.trim().slice(0, 3000) || status.error}`);
    } else if (status && !status.ok) {
      problems.push(status.error ?? 'failed');
    }
    if (executed && status?.ok) problems.push(...executionProblems(executed));
    return { notebook: path, executed, problems, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (!options.outputDir) rmSync(out, { recursive: true, force: true });
  }
}

// node bin/run-ts.js notebooks/runner.ts [--check-clean] notebooks/*.ipynb
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const checkOnly = args.includes('--check-clean');
  const files = args.filter((a) => a.endsWith('.ipynb'));
  let failed = false;
  for (const file of files) {
    const unclean = uncleanCells(readNotebook(file));
    if (unclean.length) {
      failed = true;
      console.error(`${file}: committed with outputs (${unclean.join('; ')}); clear them (Jupyter: Edit → Clear All Outputs)`);
    }
  }
  if (!checkOnly) {
    await assertNotebookTooling();
    for (const file of files) {
      const r = await runNotebook(file, { dataDir: process.env.DIALWISE_HOME ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'data') });
      console.log(`${file}: ${r.problems.length ? 'FAILED' : 'ok'} in ${r.seconds.toFixed(1)} s`);
      for (const p of r.problems) console.log(`  ${p}`);
      if (r.problems.length) failed = true;
    }
  }
  process.exitCode = failed ? 1 : 0;
}
