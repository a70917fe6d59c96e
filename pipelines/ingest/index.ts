export { ingestFile, sha256File, type IngestOptions, type IngestProgress } from './ingest.ts';
export { formatReport, type IngestReport, type ReasonCount } from './report.ts';
export { loadMapping } from './mapping.ts';
export { IngestError, MappingError } from './errors.ts';
export { normalisePhone } from './phone-parse.ts';
export { KIND_SPECS, type FieldSpec, type KindSpec } from './fields.ts';
