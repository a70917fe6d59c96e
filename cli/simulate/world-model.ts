import type { CallOutcomeModel, CalleeContext, ContactHistory, LeadTable, ScoreSource, TalkOutcome } from '../../dialer/index.ts';
import { contactKey } from '../../dialer/index.ts';
import { scoresFromFunctions } from '../../dialer/index.ts';
import { Rng, TRUTH_COEFFICIENTS, type World } from '../../simulation/index.ts';

/**
 * The synthetic world as the simulated carrier's callee side. Lives in the composition root:
 * the dialer knows only the CallOutcomeModel interface, and only this adapter reads the truth.
 */
export class WorldOutcomeModel implements CallOutcomeModel {
  private readonly rng: Rng;
  /**
   * Sum of the true conversion probabilities of the conversations so far (the carrier asks once
   * per connected call and draws the sale from it): the expected number of conversions of the
   * calls this policy connected, the same figure as its conversion count without the coin flips.
   */
  expectedConversions = 0;

  constructor(
    private readonly world: World,
    seed: number,
    private readonly medianSale = 100,
  ) {
    this.rng = new Rng(seed, 0x51a1);
  }

  private index(customerId: string): number {
    const i = this.world.indexOf(customerId);
    if (i < 0) throw new Error(`customer ${customerId} is not in the simulated world`);
    return i;
  }

  answerProbability(customerId: string, localHourOfWeek: number): number {
    return this.world.answerProbability(this.index(customerId), localHourOfWeek);
  }

  conversionProbability(customerId: string, at: number, ctx: CalleeContext): number {
    const p0 = this.world.conversionProbability(this.index(customerId), at, { answeredLast7Days: ctx.answeredLast7Days });
    const p = ctx.handler === 'robot' ? p0 * ROBOT_CONVERSION_FACTOR : p0;
    this.expectedConversions += p;
    return p;
  }

  optOutProbability(customerId: string, _at: number, ctx: CalleeContext): number {
    return this.world.optOutProbability(this.index(customerId), { answeredLast7Days: ctx.answeredLast7Days });
  }

  talkSeconds(customerId: string, outcome: TalkOutcome, handler: 'robot' | 'agent'): number {
    return this.world.talkSeconds(this.index(customerId), outcome, handler, this.rng);
  }

  isWrongNumber(customerId: string): boolean {
    return this.world.isWrongNumber(this.index(customerId));
  }

  saleValue(customerId: string): number {
    return this.world.saleValue(this.index(customerId), this.medianSale, this.rng);
  }
}

/** Robot calls convert less than agent calls in the world's truth. */
const ROBOT_CONVERSION_FACTOR = TRUTH_COEFFICIENTS.conversion.robotMultiplier;

/**
 * The ceiling: ranks by the true answer and conversion probabilities of the day, including the
 * fatigue of calls the customer answered in the last 7 days (from the oracle's own histories).
 */
export function oracleScores(world: World, leads: LeadTable, at: number, histories: Map<string, ContactHistory>): ScoreSource {
  const answeredRecently = new Map<string, number>();
  for (let i = 0; i < leads.size; i++) {
    const facts = leads.facts(i);
    const history = histories.get(contactKey(facts));
    if (!history) continue;
    const n = history.attempts().filter((a) => a.at >= at - 7 * 86_400_000 && a.at < at && (a.disposition === 'answered' || a.disposition === 'abandoned')).length;
    if (n) answeredRecently.set(facts.customer_id, n);
  }
  return scoresFromFunctions(
    leads,
    {
      pAnswer: (id, how) => {
        const i = world.indexOf(id);
        return i < 0 || world.isWrongNumber(i) ? 0 : world.answerProbability(i, how);
      },
      pConvert: (id) => {
        const i = world.indexOf(id);
        return i < 0 ? 0 : world.conversionProbability(i, at, { answeredLast7Days: answeredRecently.get(id) ?? 0 });
      },
    },
    { name: 'oracle' },
  );
}
