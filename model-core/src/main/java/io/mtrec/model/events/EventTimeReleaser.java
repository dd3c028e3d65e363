package io.mtrec.model.events;

import io.mtrec.model.Interaction;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Holds events until the watermark passes them, then releases them in one total order: event time,
 * then event id (then kind, user and item, so equal ids cannot tie). Whatever order Kafka delivered
 * the topics' records in, the released sequence is the same, so a model trained on it in batches of
 * a fixed count is the same: the {@code event-time} ordering that makes backfills reproducible.
 *
 * <p>An event that arrives with a time at or before a watermark already released is late: it is
 * still held and released with the next watermark (never dropped), but where it lands then depends
 * on when it arrived, so such events are counted ({@link #lateEvents()}). A watermark delay as long
 * as the data's real disorder keeps the count at 0.
 *
 * <p>Plain data in and out, so a Flink operator can checkpoint {@link #pending()} and hand it back
 * to {@link #restore}. Not thread-safe.
 */
public final class EventTimeReleaser {
    /** The release order. */
    public static final Comparator<Interaction> ORDER =
            Comparator.comparingLong(Interaction::eventTime)
                    .thenComparing(Interaction::eventId)
                    .thenComparing(Interaction::kind)
                    .thenComparing(Interaction::userId)
                    .thenComparing(Interaction::itemId)
                    .thenComparing(e -> Float.floatToIntBits(e.value()));

    private final PriorityQueue<Interaction> pending = new PriorityQueue<>(ORDER);
    private long releasedUpTo = Long.MIN_VALUE;
    private long lateEvents;

    /** Holds {@code event} until a watermark at or after its time. */
    public void add(Interaction event) {
        if (event.eventTime() <= releasedUpTo) {
            lateEvents++;
        }
        pending.add(event);
    }

    /** Every held event with time at or before {@code watermark}, in release order. */
    public List<Interaction> release(long watermark) {
        List<Interaction> out = new ArrayList<>();
        while (!pending.isEmpty() && pending.peek().eventTime() <= watermark) {
            out.add(pending.poll());
        }
        releasedUpTo = Math.max(releasedUpTo, watermark);
        return out;
    }

    /** Every held event, in release order (end of input). */
    public List<Interaction> releaseAll() {
        return release(Long.MAX_VALUE);
    }

    /** The held events in release order, without releasing them. */
    public List<Interaction> pending() {
        List<Interaction> out = new ArrayList<>(pending);
        out.sort(ORDER);
        return out;
    }

    /** Held events. */
    public int size() {
        return pending.size();
    }

    /** The newest watermark released, {@link Long#MIN_VALUE} before the first. */
    public long releasedUpTo() {
        return releasedUpTo;
    }

    /** Events that arrived behind a watermark already released. */
    public long lateEvents() {
        return lateEvents;
    }

    /**
     * Puts back what {@link #pending()}, {@link #releasedUpTo()} and {@link #lateEvents()} gave.
     */
    public void restore(List<Interaction> held, long releasedUpTo, long lateEvents) {
        pending.clear();
        pending.addAll(held);
        this.releasedUpTo = releasedUpTo;
        this.lateEvents = lateEvents;
    }
}
