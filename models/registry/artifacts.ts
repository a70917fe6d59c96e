import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Warehouse } from '../../warehouse/index.ts';
import { ArtifactError } from './errors.ts';

/** Folder under the data directory that holds every model's files. */
export const MODELS_DIR = 'models';

/**
 * Where artifacts live: `override` if given, else `<data-dir>/models` beside the warehouse file.
 * An in-memory warehouse has no data directory, so it needs the override.
 */
export function modelsDirFor(wh: Warehouse, override?: string): string {
  if (override) return resolve(override);
  if (wh.path === ':memory:') {
    throw new ArtifactError('an in-memory warehouse has no data directory for model files; pass modelsDir (e.g. a temp folder)');
  }
  return join(dirname(wh.path), MODELS_DIR);
}

/** Relative artifact path of a version (stored in model_versions.artifact_path). */
export function artifactRelPath(kind: string, version: string): string {
  return join(kind, version);
}

export function resolveArtifactDir(modelsDir: string, artifactPath: string): string {
  return isAbsolute(artifactPath) ? artifactPath : join(modelsDir, artifactPath);
}

/**
 * Writes a version's files all at once: into a hidden sibling folder first, renamed into place
 * at the end, so a crash never leaves a half-written model that looks complete.
 */
export function writeArtifactDir(dir: string, files: Readonly<Record<string, string | Uint8Array>>): void {
  if (existsSync(dir)) throw new ArtifactError(`artifact folder ${dir} already exists; versions are never overwritten`);
  mkdirSync(dirname(dir), { recursive: true });
  const partial = `${dir}.partial-${randomBytes(4).toString('hex')}`;
  mkdirSync(partial);
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(partial, name), content);
    renameSync(partial, dir);
  } catch (cause) {
    rmSync(partial, { recursive: true, force: true });
    throw new ArtifactError(`cannot write model files to ${dir}: ${(cause as Error).message}`, { cause });
  }
}

export function readArtifactFile(dir: string, name: string): Buffer {
  const path = join(dir, name);
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new ArtifactError(
      `model file ${path} is missing or unreadable (was the data directory moved without its models/ folder?): ${(cause as Error).message}`,
      { cause },
    );
  }
}

export function readArtifactJson<T>(dir: string, name: string): T {
  const text = readArtifactFile(dir, name).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ArtifactError(`model file ${join(dir, name)} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
