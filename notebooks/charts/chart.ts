import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { inspect } from 'node:util';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ChartError, NotInNotebookError } from '../sdk/errors.ts';

export interface PngOptions {
  /** Pixel density over the SVG's own size (default 2, sharp on high-DPI screens). */
  scale?: number;
}

interface TslabDisplay {
  html(s: string): void;
}

/**
 * A Vega-Lite chart. Rendering happens on the server with `vega` (no browser), so the same
 * chart displays inline in Jupyter, and saves as SVG or PNG from a script.
 */
export class Chart {
  constructor(readonly spec: TopLevelSpec) {}

  /** The chart as an SVG document. */
  async toSvg(): Promise<string> {
    let view: View | null = null;
    try {
      view = new View(parse(compile(this.spec).spec), { renderer: 'none' });
      return await view.toSVG();
    } catch (cause) {
      throw new ChartError(`cannot render the chart: ${(cause as Error).message}`, { cause });
    } finally {
      view?.finalize();
    }
  }

  /** The chart as PNG bytes (the SVG rasterised by resvg, with the system fonts). */
  async toPng(options: PngOptions = {}): Promise<Uint8Array> {
    const scale = options.scale ?? 2;
    if (!(scale > 0 && scale <= 10)) throw new ChartError(`scale must be a number in (0, 10], got ${scale}`);
    const svg = await this.toSvg();
    // vega asks for "sans-serif", which resvg maps to Arial; Debian has DejaVu Sans, not Arial
    const font = { loadSystemFonts: true, sansSerifFamily: 'DejaVu Sans', defaultFontFamily: 'DejaVu Sans' };
    return new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font }).render().asPng();
  }

  /** Writes the chart to `path`; the extension (.svg or .png) picks the format. Returns the path. */
  async save(path: string, options: PngOptions = {}): Promise<string> {
    const ext = extname(path).toLowerCase();
    if (ext === '.svg') await writeFile(path, await this.toSvg());
    else if (ext === '.png') await writeFile(path, await this.toPng(options));
    else throw new ChartError(`save() writes .svg or .png files, not "${ext || path}"`);
    return path;
  }

  /** Displays the chart inline in a Jupyter notebook (TypeScript (Dialwise) kernel). */
  async show(): Promise<void> {
    const display = tslabDisplay();
    const svg = await this.toSvg();
    try {
      display.html(svg);
    } catch (cause) {
      // tslab's display throws "Not ready" when no kernel is serving a cell
      throw Object.assign(new NotInNotebookError(), { cause });
    }
  }

  /** What a notebook prints when a cell ends with a chart (tslab logs the last value). */
  [inspect.custom](): string {
    const mark = 'mark' in this.spec ? JSON.stringify(this.spec.mark) : 'layered';
    return `Chart(${mark}) — call await chart.show() to display it, or chart.save('chart.svg')`;
  }
}

function tslabDisplay(): TslabDisplay {
  // Loaded lazily: only the notebook kernel has tslab's Jupyter connection; scripts never need it.
  try {
    const tslab = createRequire(import.meta.url)('tslab') as { display: TslabDisplay };
    return tslab.display;
  } catch {
    throw new NotInNotebookError();
  }
}
