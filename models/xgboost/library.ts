import koffi from 'koffi';
import type { LibraryHandle } from 'koffi';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { XGBoostLibraryMissingError } from './errors.ts';

/** Environment variable naming libxgboost explicitly (any path; no fallback search when set). */
export const XGBOOST_LIBRARY_ENV = 'XGBOOST_LIBRARY';

/** Oldest libxgboost this binding supports: it needs the JSON-config C API of 1.6+. */
export const MIN_XGBOOST_VERSION = { major: 1, minor: 6 } as const;

export interface LibraryLocation {
  /** `XGBOOST_LIBRARY` if set, else the platform's usual places, then the dynamic loader's own search. */
  candidates: string[];
  /** True when the candidates come from `XGBOOST_LIBRARY`. */
  fromEnv: boolean;
}

export interface PlatformInfo {
  platform: NodeJS.Platform;
  arch: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Contents of /etc/os-release (Linux), used only to pick the install command. */
  osRelease?: string;
}

export function currentPlatform(): PlatformInfo {
  let osRelease: string | undefined;
  if (process.platform === 'linux') {
    try {
      osRelease = readFileSync('/etc/os-release', 'utf8');
    } catch {
      osRelease = undefined;
    }
  }
  return { platform: process.platform, arch: process.arch, env: process.env, osRelease };
}

/** Where to look for libxgboost on this platform, in order. */
export function libraryCandidates(info: PlatformInfo): LibraryLocation {
  const explicit = info.env[XGBOOST_LIBRARY_ENV];
  if (explicit !== undefined && explicit.trim() !== '') {
    return { candidates: [explicit.trim()], fromEnv: true };
  }
  switch (info.platform) {
    case 'darwin':
      return {
        fromEnv: false,
        candidates: [
          '/opt/homebrew/lib/libxgboost.dylib', // Homebrew, Apple silicon
          '/opt/homebrew/opt/xgboost/lib/libxgboost.dylib',
          '/usr/local/lib/libxgboost.dylib', // Homebrew, Intel
          '/usr/local/opt/xgboost/lib/libxgboost.dylib',
          'libxgboost.dylib',
        ],
      };
    case 'win32':
      return { fromEnv: false, candidates: ['xgboost.dll'] };
    default: {
      const triplet = info.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
      return {
        fromEnv: false,
        candidates: [
          `/usr/lib/${triplet}/libxgboost.so.0`, // Debian/Ubuntu libxgboost0
          `/usr/lib/${triplet}/libxgboost.so`,
          '/usr/local/lib/libxgboost.so',
          '/usr/lib64/libxgboost.so',
          '/usr/lib/libxgboost.so',
          'libxgboost.so.0', // bare names: LD_LIBRARY_PATH and ldconfig
          'libxgboost.so',
        ],
      };
    }
  }
}

/** The command that installs libxgboost here, phrased as an instruction. */
export function installHint(info: PlatformInfo): string {
  const orSet = `or set ${XGBOOST_LIBRARY_ENV}=/full/path/to/libxgboost`;
  if (info.platform === 'darwin') return `Install it with: brew install xgboost (${orSet}.dylib).`;
  if (info.platform === 'linux' && /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(info.osRelease ?? '')) {
    return `Install it with: sudo apt-get install libxgboost0 (${orSet}.so).`;
  }
  const ext = info.platform === 'win32' ? 'dll' : 'so';
  return `Set ${XGBOOST_LIBRARY_ENV}=/full/path/to/libxgboost.${ext} (build or download XGBoost ≥ ${MIN_XGBOOST_VERSION.major}.${MIN_XGBOOST_VERSION.minor} first).`;
}

export interface OpenedLibrary {
  lib: LibraryHandle;
  path: string;
  version: { major: number; minor: number; patch: number };
}

/** Opens libxgboost (no caching: see `xgboostLibrary()` for the shared instance). */
export function openXGBoostLibrary(info: PlatformInfo = currentPlatform()): OpenedLibrary {
  const { candidates, fromEnv } = libraryCandidates(info);
  const hint = installHint(info);
  const failures: string[] = [];
  for (const path of candidates) {
    const pathLike = isAbsolute(path) || path.includes('/') || path.includes('\\');
    if (pathLike && !existsSync(path)) {
      failures.push(`${path}: no such file`);
      continue;
    }
    let lib: LibraryHandle;
    try {
      lib = koffi.load(path);
    } catch (err) {
      failures.push(`${path}: ${(err as Error).message}`);
      if (fromEnv) {
        throw new XGBoostLibraryMissingError(
          'load-failed',
          candidates,
          hint,
          `${XGBOOST_LIBRARY_ENV}=${path} exists but could not be loaded: ${(err as Error).message}`,
          { cause: err },
        );
      }
      continue;
    }
    const version = readVersion(lib);
    if (version === null || !atLeastMinimum(version)) {
      lib.unload();
      const v = version ? `${version.major}.${version.minor}.${version.patch}` : 'unknown (no XGBoostVersion symbol)';
      throw new XGBoostLibraryMissingError(
        'too-old',
        candidates,
        hint,
        `${path} is XGBoost ${v}; this binding needs ≥ ${MIN_XGBOOST_VERSION.major}.${MIN_XGBOOST_VERSION.minor}.`,
      );
    }
    return { lib, path, version };
  }
  const detail = fromEnv
    ? `${XGBOOST_LIBRARY_ENV} points to ${candidates[0]}, which does not exist.`
    : `libxgboost was not found. Tried:\n  ${failures.join('\n  ')}`;
  throw new XGBoostLibraryMissingError('not-found', candidates, hint, detail);
}

function readVersion(lib: LibraryHandle): OpenedLibrary['version'] | null {
  try {
    const fn = lib.func('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)');
    const major: [number] = [0];
    const minor: [number] = [0];
    const patch: [number] = [0];
    fn(major, minor, patch);
    return { major: major[0], minor: minor[0], patch: patch[0] };
  } catch {
    return null;
  }
}

function atLeastMinimum(v: OpenedLibrary['version']): boolean {
  return v.major > MIN_XGBOOST_VERSION.major || (v.major === MIN_XGBOOST_VERSION.major && v.minor >= MIN_XGBOOST_VERSION.minor);
}
