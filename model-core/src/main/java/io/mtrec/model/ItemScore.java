package io.mtrec.model;

/**
 * The model's view of one item for one user.
 *
 * @param itemId the item
 * @param click P(click)
 * @param purchase P(click and purchase) = P(click) * P(purchase | click)
 * @param rating predicted rating, clamped to the configured scale
 * @param score the blended ranking score {@code w_c click + w_p purchase + w_r (rating - min) /
 *     (max - min)}
 */
public record ItemScore(String itemId, float click, float purchase, float rating, float score) {}
