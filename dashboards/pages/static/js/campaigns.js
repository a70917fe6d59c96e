// Campaigns page: KPIs, target vs actual, daily rates, conversion by local hour, the funnel
// and the abandoned share against its limit. Every request carries the page's filters.
import { api, fmt, renderChart, setKpis, setOptions, settle, startPage } from './app.js';

const METRICS = [
  ['connect_rate', 'connect rate'],
  ['conversion_rate', 'conversion rate'],
];

startPage({
  async setup() {
    const [{ campaigns }, { segments }] = await Promise.all([api('/api/campaigns'), api('/api/segments')]);
    setOptions('campaign', campaigns.map((c) => ({ value: c.campaign_id, label: c.name })));
    setOptions('segment', segments.map((s) => ({ value: s.segment_id, label: s.segment_name })));
    const days = campaigns.flatMap((c) => [c.first_day, c.last_day]).filter(Boolean).sort();
    for (const input of document.querySelectorAll('#filters input[type="date"]')) {
      if (days.length) [input.min, input.max] = [days[0], days[days.length - 1]];
    }
  },
  load: (filters, stale) => {
    const query = { campaign: filters.campaign, from: filters.from, to: filters.to, segment: filters.segment };
    return settle(
      [
        {
          charts: ['campaign-target', 'campaign-funnel'],
          run: async () => {
            const summary = await api('/api/campaigns/summary', query);
            if (stale()) return;
            showKpis(summary.total, summary.abandoned_limit);
            const target = summary.campaigns.flatMap((c) =>
              METRICS.filter(([key]) => c[key] !== null && c.targets?.[key] != null).map(([key, metric]) => ({
                campaign: c.name,
                metric,
                actual: c[key],
                target: c.targets[key],
                deviation: c.deviation?.[key] ?? null,
              })),
            );
            const funnel = summary.total.dials > 0 ? summary.funnel : [];
            await Promise.all([renderChart('campaign-target', target), renderChart('campaign-funnel', funnel)]);
          },
        },
        {
          charts: ['campaign-daily', 'campaign-abandoned'],
          run: async () => {
            const [{ rows }, limit] = await Promise.all([api('/api/campaigns/daily', query), abandonedLimit()]);
            if (stale()) return;
            await Promise.all([
              renderChart('campaign-daily', rows),
              renderChart('campaign-abandoned', rows, { limit }),
            ]);
          },
        },
        {
          charts: ['campaign-hourly'],
          run: async () => {
            const { rows } = await api('/api/campaigns/hourly', query);
            if (stale()) return;
            await renderChart('campaign-hourly', rows.filter((r) => r.conversion_rate !== null));
          },
        },
      ],
      stale,
    );
  },
});

let limitPromise = null;
/** The API's abandoned-call limit (it is a rule, not a filter: asked once). */
function abandonedLimit() {
  limitPromise ??= api('/api/campaigns/summary').then((s) => s.abandoned_limit);
  return limitPromise;
}

function showKpis(total, limit) {
  setKpis([
    { label: 'Dials', value: fmt.int(total.dials) },
    { label: 'Connect rate', value: fmt.pct(total.connect_rate), note: 'answered / dials' },
    { label: 'Conversion rate', value: fmt.pct(total.conversion_rate), note: 'converted / answered' },
    { label: 'Conversions per 1,000 dials', value: fmt.num(total.conversions_per_1000_dials) },
    { label: 'Average talk time', value: fmt.seconds(total.avg_talk_seconds), note: 'min:s, answered calls' },
    {
      label: 'Abandoned share',
      value: fmt.pct(total.abandoned_share, 2),
      note: `limit ${fmt.pct(limit, 0)}`,
      alert: total.abandoned_share !== null && total.abandoned_share > limit,
    },
  ]);
}
