/**
 * Identifiers cannot be bound as parameters, so source column names from user files are
 * quoted here — the one place that turns a name into SQL text.
 */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new TypeError(`identifier contains a NUL byte: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * DuckDB's table functions (read_csv, read_parquet, COPY … TO) take the file path as a literal;
 * this quotes a path as a SQL string literal. Use only for file paths the program chose or
 * the user named on the command line, never for data values (bind those).
 */
export function quoteLiteralPath(path: string): string {
  if (path.includes('\u0000')) throw new TypeError('path contains a NUL byte');
  return `'${path.replaceAll("'", "''")}'`;
}
