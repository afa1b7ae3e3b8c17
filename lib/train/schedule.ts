/**
 * The paper's step schedule: the learning rate is divided by 10 at 50 %, 70 % and 90 % of the
 * epochs (as in the authors' BNTT code). Epochs are 0-based: epoch e uses lr·0.1^k, k = number of
 * milestones m·E with e ≥ m·E.
 */
export const LR_MILESTONES = [0.5, 0.7, 0.9] as const;

/** Learning rate for 0-based `epoch` of `epochs`, divided by 10 at each of `milestones` (fractions of `epochs`). */
export function stepLr(baseLr: number, epoch: number, epochs: number, milestones: readonly number[] = LR_MILESTONES): number {
  const passed = milestones.filter((m) => epoch >= m * epochs).length;
  return baseLr * 0.1 ** passed;
}
