import { listValue, type DuckDBValue } from '@duckdb/node-api';

/** Collects bound parameters while SQL is assembled, so values never become SQL text. */
export class ParamBag {
  readonly values: Record<string, DuckDBValue> = {};
  private next = 0;

  constructor(initial: Record<string, DuckDBValue> = {}) {
    Object.assign(this.values, initial);
  }

  /** Binds a value and returns its placeholder (`$p3`). */
  bind(value: DuckDBValue): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `$${name}`;
  }

  /** Binds a list of strings (typed, so an empty list is still VARCHAR[]). */
  bindList(items: readonly string[]): string {
    return `${this.bind(listValue([...items]))}::VARCHAR[]`;
  }
}
