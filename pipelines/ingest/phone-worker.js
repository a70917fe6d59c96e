// Worker entry of the parallel phone parser. Worker threads start without the parent's
// TypeScript loader, so register tsx here and load the real (TypeScript) worker.
import { register } from 'tsx/esm/api';

register();
await import('./phone-worker.ts');
