import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DialwiseError } from '../../contracts/index.ts';

/**
 * tslab type-checks every cell with its own TypeScript 5.0 and Node10 module resolution, which
 * cannot read our `.ts` sources (`.ts` import extensions, package `exports`) without compiling
 * them itself. So the kernel maps `dialwise` onto declaration files emitted by the project's
 * own compiler, regenerated here whenever a source file is newer than them.
 */
export class SdkTypesError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SDK_TYPES', message, options);
  }
}

/** Folders whose sources the SDK (root index.ts) can reach, directly or through types. */
const SOURCE_DIRS = ['contracts', 'warehouse', 'pipelines', 'features', 'models', 'simulation', 'dialer', 'cli', 'notebooks'];

function newestSourceMtime(root: string): number {
  let newest = Math.max(statSync(join(root, 'index.ts')).mtimeMs, statSync(join(root, 'tsconfig.json')).mtimeMs);
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      }
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(root, dir));
  return newest;
}

/** Returns the path of `index.d.ts` for the SDK, emitting declarations first if they are stale. */
export function ensureSdkTypes(root: string): string {
  const cache = join(root, 'node_modules', '.cache', 'dialwise', 'sdk-types');
  const entry = join(cache, 'index.d.ts');
  const stampFile = join(cache, 'stamp.json');
  const newest = newestSourceMtime(root);
  if (existsSync(entry) && existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as { newest?: number };
    if (stamp.newest === newest) return entry;
  }
  // emit into a fresh folder, then rename: two kernels starting together never see half a tree
  const tmp = `${cache}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const config = {
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { noEmit: false, declaration: true, emitDeclarationOnly: true, rootDir: root, outDir: tmp },
    files: [join(root, 'index.ts')],
    include: [],
  };
  const configFile = join(tmp, 'tsconfig.json');
  writeFileSync(configFile, JSON.stringify(config));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', configFile], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (cause) {
    // type errors still emit declarations; only a missing entry point is fatal
    if (!existsSync(join(tmp, 'index.d.ts'))) {
      const out = String((cause as { stdout?: Buffer }).stdout ?? '');
      throw new SdkTypesError(`could not emit the SDK's type declarations (run \`npx tsc --noEmit\` to see why):\n${out.slice(0, 2000)}`, { cause });
    }
  }
  rmSync(configFile);
  writeFileSync(join(tmp, 'stamp.json'), JSON.stringify({ newest }));
  rmSync(cache, { recursive: true, force: true });
  try {
    renameSync(tmp, cache);
  } catch (cause) {
    // another kernel starting at the same moment put its (identical) declarations there first
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(entry)) throw new SdkTypesError(`could not store the SDK's type declarations in ${cache}`, { cause });
  }
  return entry;
}
