package io.mtrec.model.scoring;

import io.mtrec.model.Interaction;

import java.util.ArrayList;
import java.util.List;

/**
 * Which items a user recently bought and/or rated, at most {@code max} of them (the oldest
 * forgotten first), so score records can leave out what the user has just acted on.
 *
 * <p>The per-user list is plain data owned by the caller (a Flink operator keeps it in keyed
 * state): {@link #remember} returns the list after one more event.
 */
public final class RecentItems {
    private final boolean purchases;
    private final boolean ratings;
    private final int max;

    /**
     * @param purchases remember bought items
     * @param ratings remember rated items
     * @param max items remembered per user, at least 1
     */
    public RecentItems(boolean purchases, boolean ratings, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, got " + max);
        }
        this.purchases = purchases;
        this.ratings = ratings;
        this.max = max;
    }

    /** Whether anything is remembered at all. */
    public boolean enabled() {
        return purchases || ratings;
    }

    /** Whether {@code event} is a purchase or rating this instance remembers. */
    public boolean keeps(Interaction event) {
        return (purchases && event.kind() == Interaction.Kind.PURCHASE)
                || (ratings && event.kind() == Interaction.Kind.RATING);
    }

    /**
     * A user's items, oldest first, after {@code event}: its item moves to the end if the event is
     * kept, and the oldest items beyond {@code max} are dropped (also when {@code max} shrank since
     * the list was made). Returns {@code items} itself when nothing changes.
     */
    public List<String> remember(List<String> items, Interaction event) {
        if (!keeps(event)) {
            return items.size() > max ? items.subList(items.size() - max, items.size()) : items;
        }
        List<String> updated = new ArrayList<>(items.size() + 1);
        for (String item : items) {
            if (!item.equals(event.itemId())) {
                updated.add(item);
            }
        }
        updated.add(event.itemId());
        return updated.size() > max
                ? new ArrayList<>(updated.subList(updated.size() - max, updated.size()))
                : updated;
    }
}
