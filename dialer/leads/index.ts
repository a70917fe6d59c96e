export { LeadTable, emptyColumns, filterLeads } from './lead-table.ts';
export type { LeadColumns, LeadTableMeta } from './lead-table.ts';
export { loadPublishedLeads } from './published.ts';
export type { PublishedLeads } from './published.ts';
