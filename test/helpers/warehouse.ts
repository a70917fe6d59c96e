import { afterEach, beforeEach } from 'vitest';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from './tmp.ts';

/** A warehouse in its own temp directory, opened fresh for every test of the calling `describe`. */
export interface TempWarehouse {
  readonly wh: Warehouse;
  readonly dir: string;
}

/** Registers the per-test set-up and tear-down; read `wh` and `dir` inside the tests. */
export function useTempWarehouse(): TempWarehouse {
  let current: { wh: Warehouse; dir: string; cleanup: () => void } | undefined;
  beforeEach(async () => {
    const { dir, cleanup } = tempDir();
    current = { wh: await Warehouse.open(dir), dir, cleanup };
  });
  afterEach(async () => {
    await current?.wh.close();
    current?.cleanup();
    current = undefined;
  });
  const now = () => {
    if (!current) throw new Error('useTempWarehouse: read wh and dir inside a test');
    return current;
  };
  return {
    get wh() {
      return now().wh;
    },
    get dir() {
      return now().dir;
    },
  };
}
