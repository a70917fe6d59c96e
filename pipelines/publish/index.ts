export { publishRun, verifyRun, writeFileAtomic, type PublishInput } from './publish.ts';
