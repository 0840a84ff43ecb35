/** While a provider's answers bring nothing new, one of them is still kept this often (README "What storage costs"). */
export const DUPLICATE_ANSWER_SAMPLE_MS = 10 * 60_000;

/**
 * Which of a provider's batch answers are stored: every answer that brought at least one new point, and of the
 * answers that brought none, one per DUPLICATE_ANSWER_SAMPLE_MS — so an operator still sees what the provider
 * says while nothing changes (a closed market, a stalled feed), without a row for every round. One per provider:
 * a batch answer already shows all of its symbols. Kept in the coordinator's memory: a restarted coordinator
 * keeps its next duplicate-only answer, one row early at most.
 */
export class RawAnswerSampling {
  private lastKeptAt = Number.NEGATIVE_INFINITY;

  /** Whether the answer that arrived `at` (epoch ms) is stored; a yes counts as this period's sample. */
  keeps(broughtNewPoint: boolean, at: number): boolean {
    if (!broughtNewPoint && at - this.lastKeptAt < DUPLICATE_ANSWER_SAMPLE_MS) return false;
    this.lastKeptAt = Math.max(this.lastKeptAt, at);
    return true;
  }
}
