package io.mtrec.model;

import java.util.Set;

/**
 * What one {@link MultiTaskLearner#learn} call did.
 *
 * @param version the model version after the call (incremented only when {@code applied})
 * @param events interactions in the batch
 * @param examples real training examples: one per event plus the clicks whose conversion window
 *     expired (purchase negatives)
 * @param sampledNegatives click negatives drawn by the sampler (trained on, never in metrics)
 * @param expiredClicks pending clicks whose conversion window passed: purchase negatives here
 * @param convertedClicks purchases that found their pending click inside the window
 * @param applied whether a parameter step was taken; false for an empty batch and for one whose
 *     loss or gradient was not finite
 * @param loss mean weighted loss of the batch before the step (0 when empty, possibly NaN when
 *     skipped)
 * @param gradientNorm global L2 norm of the gradient before clipping
 * @param touchedUsers users of the batch's examples, in first-seen order: their scores may have
 *     changed
 */
public record BatchResult(
        long version,
        int events,
        int examples,
        int sampledNegatives,
        int expiredClicks,
        int convertedClicks,
        boolean applied,
        double loss,
        double gradientNorm,
        Set<String> touchedUsers) {}
