import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DialwiseError } from '../../contracts/index.ts';
import { ensureSdkTypes } from './sdk-types.ts';

/** The kernel's name in Jupyter (notebooks name it in metadata.kernelspec.name). */
export const KERNEL_NAME = 'dialwise';
export const KERNEL_DISPLAY_NAME = 'TypeScript (Dialwise)';

export class KernelInstallError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KERNEL_INSTALL', message, options);
  }
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository this kernel serves. */
export const REPO_ROOT = resolve(here, '..', '..');
export const LAUNCHER = join(here, 'launch.mjs');

/** Debian's Jupyter first: the `python3`/`jupyter` on PATH may be another Python without it. */
export function findJupyter(): string | null {
  for (const candidate of ['/usr/bin/jupyter', 'jupyter']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** kernel.json: tslab started through our launcher, with the Node that runs this script. */
export function kernelSpec(): { argv: string[]; display_name: string; language: string; interrupt_mode: string } {
  return {
    argv: [process.execPath, LAUNCHER, '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
    interrupt_mode: 'signal',
  };
}

/**
 * Registers the kernel for this user (Jupyter's data dir, e.g. ~/.local/share/jupyter) and
 * warms the SDK's type declarations. Idempotent: re-running rewrites the same file.
 */
export function installKernel(options: { jupyterDataDir?: string } = {}): string {
  let dataDir = options.jupyterDataDir;
  if (!dataDir) {
    const jupyter = findJupyter();
    if (!jupyter) {
      throw new KernelInstallError(
        'Jupyter is not installed: sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel (or run bash scripts/setup.sh)',
      );
    }
    dataDir = execFileSync(jupyter, ['--data-dir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || join(homedir(), '.local', 'share', 'jupyter');
  }
  const dir = join(dataDir, 'kernels', KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'kernel.json');
  writeFileSync(file, JSON.stringify(kernelSpec(), null, 2) + '\n');
  ensureSdkTypes(REPO_ROOT);
  return file;
}

// `node bin/run-ts.js notebooks/kernel/install.ts` (scripts/setup.sh)
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!existsSync(LAUNCHER)) throw new KernelInstallError(`missing ${LAUNCHER}`);
  const file = installKernel();
  console.error(`[setup] Jupyter kernel "${KERNEL_DISPLAY_NAME}" registered: ${file}`);
}
