package io.mtrec.model;

import java.util.Objects;

/**
 * One learning signal, decoded and validated from any event topic: what the model learns from.
 *
 * <p>{@code value} is the rating for {@link Kind#RATING}, the quantity for {@link Kind#PURCHASE},
 * and unused (0) for impressions and clicks.
 */
public record Interaction(
        Kind kind, String eventId, String userId, String itemId, long eventTime, float value) {

    /** What happened between the user and the item. */
    public enum Kind {
        /** The item was shown and not clicked: an explicit click negative. */
        IMPRESSION,
        /** The item was shown and clicked. */
        CLICK,
        /** The item was bought. */
        PURCHASE,
        /** The item was rated; {@code value} holds the rating. */
        RATING
    }

    public Interaction {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(itemId, "itemId");
    }

    public static Interaction impression(String eventId, String userId, String itemId, long time) {
        return new Interaction(Kind.IMPRESSION, eventId, userId, itemId, time, 0f);
    }

    public static Interaction click(String eventId, String userId, String itemId, long time) {
        return new Interaction(Kind.CLICK, eventId, userId, itemId, time, 0f);
    }

    public static Interaction purchase(String eventId, String userId, String itemId, long time) {
        return new Interaction(Kind.PURCHASE, eventId, userId, itemId, time, 1f);
    }

    public static Interaction rating(
            String eventId, String userId, String itemId, long time, float rating) {
        return new Interaction(Kind.RATING, eventId, userId, itemId, time, rating);
    }
}
