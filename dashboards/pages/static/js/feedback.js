// Feedback-loop page: the simulated days dialled by the model, in random order and by the
// oracle, with the headline ratio over the whole simulation.
import { api, fmt, renderChart, setKpis, setOptions, settle, startPage } from './app.js';

const POLICIES = ['model', 'random', 'oracle'];

startPage({
  async setup() {
    const { simulations } = await api('/api/simulation');
    setOptions('sim', simulations.map((s) => ({ value: s.sim_id, label: `${s.sim_id} (${s.days} days from ${s.first_day})` })));
  },
  load: (filters, stale) =>
    settle(
      [
        {
          charts: ['feedback-conversions', 'feedback-contact'],
          run: async () => {
            const { days } = await api('/api/simulation', { sim: filters.sim });
            if (stale()) return;
            showTotals(days);
            const empty = 'No simulation has been run yet: dialwise simulate.';
            await Promise.all([
              renderChart('feedback-conversions', days.filter((d) => d.conversions_per_1000_dials !== null), {}, empty),
              renderChart('feedback-contact', days.filter((d) => d.contact_rate !== null), {}, empty),
            ]);
          },
        },
      ],
      stale,
    ),
});

/** Conversions per 1,000 dials over all days, per policy, and the model's ratio to random. */
function showTotals(days) {
  const per = Object.fromEntries(
    POLICIES.map((p) => {
      const mine = days.filter((d) => d.policy === p);
      const dials = mine.reduce((s, d) => s + d.dials, 0);
      const conversions = mine.reduce((s, d) => s + d.conversions, 0);
      const violations = mine.reduce((s, d) => s + d.compliance_violations, 0);
      return [p, { dials, per1000: dials > 0 ? (1000 * conversions) / dials : null, violations }];
    }),
  );
  const ratio = per.model.per1000 !== null && per.random.per1000 ? per.model.per1000 / per.random.per1000 : null;
  const violations = POLICIES.reduce((s, p) => s + per[p].violations, 0);
  setKpis([
    { label: 'Model: conversions / 1,000 dials', value: fmt.num(per.model.per1000), note: `${fmt.int(per.model.dials)} dials` },
    { label: 'Random order', value: fmt.num(per.random.per1000), note: `${fmt.int(per.random.dials)} dials` },
    { label: 'Oracle', value: fmt.num(per.oracle.per1000), note: `${fmt.int(per.oracle.dials)} dials` },
    { label: 'Model ÷ random', value: ratio === null ? '–' : `${ratio.toFixed(2)}×`, note: `over ${new Set(days.map((d) => d.day)).size} days` },
    { label: 'Compliance violations', value: fmt.int(violations), alert: violations > 0 },
  ]);
}
