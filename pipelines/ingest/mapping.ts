import { readFileSync } from 'node:fs';
import { MappingSchema, type Mapping } from '../../contracts/index.ts';
import { MappingError } from './errors.ts';
import type { KindSpec } from './fields.ts';

/** Reads and validates a mapping file; every problem names the file and the field. */
export function loadMapping(path: string | undefined): Mapping {
  if (!path) return MappingSchema.parse({});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new MappingError(path, `not readable JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = MappingSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new MappingError(path, `invalid mapping: ${issues}`);
  }
  return parsed.data;
}

/** Which staged column (index) feeds each canonical field, and which columns are left over. */
export interface Resolution {
  columnNames: string[];
  fieldColumn: Map<string, number>;
  extraColumns: number[];
}

const ALIASES: Record<string, string> = { phone_e164: 'phone', phone_number: 'phone', tz: 'timezone' };

export function resolveColumns(spec: KindSpec, columns: string[], mapping: Mapping, file: string, mappingFile = 'mapping'): Resolution {
  const known = new Set(spec.fields.map((f) => f.name));
  // the zone/country of a row help parse its times and numbers even for kinds that do not store them
  known.add('timezone');
  known.add('country');
  const byName = new Map(columns.map((c, i) => [c.toLowerCase(), i]));
  const fieldColumn = new Map<string, number>();
  for (const [source, target] of Object.entries(mapping.columns)) {
    if (!known.has(target)) {
      throw new MappingError(mappingFile, `columns.${source}: "${target}" is not a ${spec.kind} field (fields: ${[...known].join(', ')})`);
    }
    const index = columns.indexOf(source) >= 0 ? columns.indexOf(source) : byName.get(source.toLowerCase());
    if (index === undefined) continue; // a mapping may serve several exports; absent columns are fine
    fieldColumn.set(target, index);
  }
  columns.forEach((name, index) => {
    const canonical = ALIASES[name.toLowerCase()] ?? name.toLowerCase();
    if (known.has(canonical) && !fieldColumn.has(canonical) && !mapping.columns[name]) fieldColumn.set(canonical, index);
  });
  const missing = spec.fields.filter((f) => f.required && !fieldColumn.has(f.name)).map((f) => f.name);
  if (missing.length) {
    throw new MappingError(
      file,
      `no column for required field(s) ${missing.join(', ')}; the file has columns ${columns.map((c) => JSON.stringify(c)).join(', ')} — map them in the mapping file ("columns": {"<source>": "<field>"})`,
    );
  }
  const used = new Set(fieldColumn.values());
  const extraColumns = columns.map((_, i) => i).filter((i) => !used.has(i) && !columns[i]!.startsWith('__unnamed_'));
  return { columnNames: columns, fieldColumn, extraColumns };
}
