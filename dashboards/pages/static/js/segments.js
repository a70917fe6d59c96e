// Segments page: sizes, answer/conversion rates, the profile heatmap and best hours.
import { api, renderChart, setOptions, settle, startPage } from './app.js';

startPage({
  async setup() {
    const { segments } = await api('/api/segments');
    setOptions('segment', segments.map((s) => ({ value: s.segment_id, label: s.segment_name })));
  },
  load: (filters, stale) => {
    // The segment filter narrows every chart to that segment.
    const only = (id) => filters.segment === undefined || String(id) === filters.segment;
    return settle(
      [
        {
          charts: ['segment-sizes', 'segment-rates'],
          run: async () => {
            const { segments } = await api('/api/segments');
            if (stale()) return;
            const shown = segments.filter((s) => only(s.segment_id));
            const rates = shown.flatMap((s) => [
              { segment: s.segment_name, metric: 'answer rate', rate: s.answer_rate },
              { segment: s.segment_name, metric: 'conversion rate', rate: s.conversion_rate },
            ]);
            await Promise.all([
              renderChart('segment-sizes', shown.map((s) => ({ segment: s.segment_name, size: s.size, share: s.share }))),
              renderChart('segment-rates', rates.filter((r) => r.rate !== null)),
            ]);
          },
        },
        {
          charts: ['segment-profile'],
          run: async () => {
            const { cells } = await api('/api/segments/profiles');
            if (stale()) return;
            const rows = cells.filter((c) => only(c.segment_id)).map((c) => ({ segment: c.segment_name, feature: c.feature, z: c.z }));
            await renderChart('segment-profile', rows.filter((r) => r.z !== null));
          },
        },
        {
          charts: ['segment-best-hours'],
          run: async () => {
            const { cells } = await api('/api/segments/best-hours', { segment: filters.segment });
            if (stale()) return;
            const rows = cells
              .filter((c) => c.p_answer !== null)
              .map((c) => ({ segment: c.segment_name, weekday: c.weekday, hour: c.hour, value: c.p_answer }));
            await renderChart('segment-best-hours', rows);
          },
        },
      ],
      stale,
    );
  },
});
