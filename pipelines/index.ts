export {
  ingestFile,
  formatReport,
  loadMapping,
  normalisePhone,
  IngestError,
  MappingError,
  KIND_SPECS,
  type IngestOptions,
  type IngestProgress,
  type IngestReport,
  type ReasonCount,
} from './ingest/index.ts';
