package io.mtrec.model;

import io.mtrec.model.tasks.PendingClicks.PendingClick;

import java.util.List;
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
 * @param heldClicks the clicks this call started holding for a purchase, as added (scored later in
 *     the call: see {@link MultiTaskLearner#pendingClick} for their current values)
 * @param releasedClicks held clicks this call let go: claimed by a purchase or expired; with {@code
 *     heldClicks}, what a caller that keeps held clicks elsewhere must change there
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
        Set<String> touchedUsers,
        List<PendingClick> heldClicks,
        List<PendingClick> releasedClicks) {}
