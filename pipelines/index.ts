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
export * from './nightly/index.ts';
export { publishRun, verifyRun, writeFileAtomic, type PublishInput } from './publish/index.ts';
