package io.mtrec.model.scoring;

import io.mtrec.model.Interaction;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The items each user recently bought and/or rated, at most {@code max} per user (the oldest
 * forgotten first), so score records can leave out what the user has just acted on.
 *
 * <p>Plain data: {@link #toBytes()} and {@link #fromBytes} round-trip it for a checkpoint, in a
 * fixed order so the same state gives the same bytes. Not thread-safe.
 */
public final class RecentItems {
    private static final int FORMAT = 1;

    private final boolean purchases;
    private final boolean ratings;
    private final int max;
    private final Map<String, LinkedHashSet<String>> byUser = new HashMap<>();

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

    /** Remembers the event's item if it is a purchase or rating this instance keeps. */
    public void observe(Interaction event) {
        boolean keep =
                (purchases && event.kind() == Interaction.Kind.PURCHASE)
                        || (ratings && event.kind() == Interaction.Kind.RATING);
        if (!keep) {
            return;
        }
        LinkedHashSet<String> items =
                byUser.computeIfAbsent(event.userId(), u -> new LinkedHashSet<>());
        items.remove(event.itemId()); // the newest sighting moves to the end
        items.add(event.itemId());
        if (items.size() > max) {
            String oldest = items.iterator().next();
            items.remove(oldest);
        }
    }

    /** The items to leave out of {@code userId}'s scores; empty if none. */
    public Set<String> of(String userId) {
        LinkedHashSet<String> items = byUser.get(userId);
        return items == null ? Set.of() : Collections.unmodifiableSet(items);
    }

    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(FORMAT);
            List<String> users = new ArrayList<>(byUser.keySet());
            Collections.sort(users);
            out.writeInt(users.size());
            for (String user : users) {
                out.writeUTF(user);
                LinkedHashSet<String> items = byUser.get(user);
                out.writeInt(items.size());
                for (String item : items) {
                    out.writeUTF(item);
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Restores what {@link #toBytes()} wrote into an instance with the given settings. */
    public static RecentItems fromBytes(byte[] data, boolean purchases, boolean ratings, int max) {
        RecentItems recent = new RecentItems(purchases, ratings, max);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException(
                        "recent items written in format " + format + ", this reads " + FORMAT);
            }
            int users = in.readInt();
            for (int u = 0; u < users; u++) {
                String user = in.readUTF();
                int n = in.readInt();
                LinkedHashSet<String> items = new LinkedHashSet<>();
                for (int i = 0; i < n; i++) {
                    items.add(in.readUTF());
                }
                // A smaller max after a restart keeps each user's newest items.
                while (items.size() > max) {
                    items.remove(items.iterator().next());
                }
                recent.byUser.put(user, items);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return recent;
    }
}
