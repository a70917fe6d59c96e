// Models page: quality of every conversion-model version over time, and for one version (the
// champion unless the URL names another) its calibration, gain/lift and top features.
import { api, renderChart, setOptions, settle, startPage } from './app.js';

const KIND = 'conversion';

function status(m) {
  return m.champion ? 'champion' : m.challenger ? 'challenger' : 'other';
}

startPage({
  async setup() {
    const { models } = await api('/api/models', { kind: KIND });
    setOptions(
      'version',
      [...models].reverse().map((m) => ({ value: m.version, label: `${m.version}${m.champion ? ' (champion)' : ''}` })),
    );
  },
  load: (filters, stale) => {
    const version = filters.version ?? 'champion';
    const perVersion = (part) => api(`/api/models/${encodeURIComponent(version)}/${part}`, version === 'champion' ? { kind: KIND } : {});
    return settle(
      [
        {
          charts: ['model-metrics'],
          run: async () => {
            const { models } = await api('/api/models', { kind: KIND });
            if (stale()) return;
            const rows = models.flatMap((m) =>
              [
                ['ROC AUC', m.roc_auc],
                ['log loss', m.log_loss],
              ]
                .filter(([, value]) => value !== null)
                .map(([metric, value]) => ({ version: m.version, created_at: m.created_at, metric, value, status: status(m) })),
            );
            await renderChart('model-metrics', rows, {}, 'No conversion model has been trained yet.');
          },
        },
        {
          charts: ['model-calibration'],
          run: async () => {
            const { bins } = await perVersion('calibration');
            if (stale()) return;
            await renderChart('model-calibration', bins.filter((b) => b.mean_predicted !== null && b.observed_rate !== null));
          },
        },
        {
          charts: ['model-gain', 'model-lift'],
          run: async () => {
            const { deciles } = await perVersion('lift');
            if (stale()) return;
            const gain = deciles.length ? [{ decile: 0, cumulative_gain: 0, lift: null, cumulative_lift: null }, ...deciles] : [];
            await Promise.all([renderChart('model-gain', gain), renderChart('model-lift', deciles)]);
          },
        },
        {
          charts: ['model-features'],
          run: async () => {
            const { by_shap } = await perVersion('features');
            if (stale()) return;
            await renderChart('model-features', by_shap.slice(0, 15));
          },
        },
      ],
      stale,
    );
  },
});
