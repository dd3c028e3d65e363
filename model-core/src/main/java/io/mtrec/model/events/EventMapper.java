package io.mtrec.model.events;

import io.mtrec.model.Interaction;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.PurchaseEvent;
import io.mtrec.schemas.RatingEvent;

import org.apache.avro.specific.SpecificRecord;

import java.io.Serializable;
import java.time.Instant;

/**
 * Validates a decoded event and turns it into the {@link Interaction} the model learns from.
 *
 * <p>Rules: ids are non-blank, the event time is positive, a rating lies on the configured scale
 * and is finite, a purchase quantity is positive. A violation throws {@link InvalidEventException}
 * whose message is the dead-letter reason.
 */
public final class EventMapper implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float ratingMin;
    private final float ratingMax;

    public EventMapper(float ratingMin, float ratingMax) {
        if (!(ratingMin < ratingMax)) {
            throw new IllegalArgumentException(
                    "rating.min must be below rating.max, got " + ratingMin + " and " + ratingMax);
        }
        this.ratingMin = ratingMin;
        this.ratingMax = ratingMax;
    }

    public Interaction toInteraction(SpecificRecord record) throws InvalidEventException {
        if (record instanceof ClickEvent e) {
            check(e.getEventId(), e.getUserId(), e.getItemId(), e.getEventTime());
            long time = e.getEventTime().toEpochMilli();
            return e.getClicked()
                    ? Interaction.click(e.getEventId(), e.getUserId(), e.getItemId(), time)
                    : Interaction.impression(e.getEventId(), e.getUserId(), e.getItemId(), time);
        }
        if (record instanceof PurchaseEvent e) {
            check(e.getEventId(), e.getUserId(), e.getItemId(), e.getEventTime());
            if (e.getQuantity() < 1) {
                throw new InvalidEventException(
                        "purchase quantity must be >= 1, got " + e.getQuantity());
            }
            return new Interaction(
                    Interaction.Kind.PURCHASE,
                    e.getEventId(),
                    e.getUserId(),
                    e.getItemId(),
                    e.getEventTime().toEpochMilli(),
                    e.getQuantity());
        }
        if (record instanceof RatingEvent e) {
            check(e.getEventId(), e.getUserId(), e.getItemId(), e.getEventTime());
            float rating = e.getRating();
            if (!Float.isFinite(rating) || rating < ratingMin || rating > ratingMax) {
                throw new InvalidEventException(
                        "rating "
                                + rating
                                + " is outside the scale ["
                                + ratingMin
                                + ", "
                                + ratingMax
                                + "]");
            }
            return Interaction.rating(
                    e.getEventId(),
                    e.getUserId(),
                    e.getItemId(),
                    e.getEventTime().toEpochMilli(),
                    rating);
        }
        throw new InvalidEventException(
                "not a training event: " + record.getSchema().getFullName());
    }

    private static void check(String eventId, String userId, String itemId, Instant eventTime)
            throws InvalidEventException {
        requireId("eventId", eventId);
        requireId("userId", userId);
        requireId("itemId", itemId);
        if (eventTime == null || eventTime.toEpochMilli() <= 0) {
            throw new InvalidEventException(
                    "eventTime must be positive epoch millis, got " + eventTime);
        }
    }

    private static void requireId(String field, String value) throws InvalidEventException {
        if (value == null || value.isBlank()) {
            throw new InvalidEventException(field + " is empty");
        }
    }
}
