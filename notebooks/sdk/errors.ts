import { DialwiseError } from '../../contracts/index.ts';

/** A chart that cannot be built, rendered or saved as asked. */
export class ChartError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHART', message, options);
  }
}

/** `show()` outside a Jupyter kernel that can display rich output. */
export class NotInNotebookError extends DialwiseError {
  constructor() {
    super(
      'NOT_IN_NOTEBOOK',
      'show() displays a chart inline in Jupyter (TypeScript (Dialwise) kernel); outside a notebook use chart.save("chart.svg" | "chart.png") or chart.toSvg()',
    );
  }
}
