package io.mtrec.model.tasks;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Clicks waiting to learn whether they convert: the delayed-feedback buffer of the purchase task.
 *
 * <p>A click is held, keyed by (user, item), until a purchase of that item by that user claims it
 * (a positive conversion) or the event clock passes its time plus the conversion window, when it
 * becomes a purchase negative. Holding it means a late purchase inside the window is never first
 * learned as a negative.
 *
 * <p>Expiry order is (event time, arrival sequence), a total order, so what expires when does not
 * depend on hash or heap layout and survives a snapshot restore unchanged.
 */
public final class PendingClicks {

    /**
     * One held click; {@code seq} numbers clicks in arrival order. {@code purchasePrediction} is
     * P(purchase | click) as the model scored it when the click was learned, or NaN if it was not
     * scored; it is what the purchase metric records when the label resolves.
     */
    public record PendingClick(
            long seq, String userId, String itemId, long eventTime, float purchasePrediction) {

        /** A click not scored yet. */
        public PendingClick(long seq, String userId, String itemId, long eventTime) {
            this(seq, userId, itemId, eventTime, Float.NaN);
        }
    }

    private record Key(String userId, String itemId) {}

    private static final class Entry {
        PendingClick click;
        boolean removed;

        Entry(PendingClick click) {
            this.click = click;
        }
    }

    // One comparison, not a chain of key extractors: the heap compares on every held click.
    private static final Comparator<Entry> EXPIRY_ORDER =
            (a, b) -> {
                int byTime = Long.compare(a.click.eventTime(), b.click.eventTime());
                return byTime != 0 ? byTime : Long.compare(a.click.seq(), b.click.seq());
            };

    private final PriorityQueue<Entry> byTime = new PriorityQueue<>(EXPIRY_ORDER);
    private final Map<Key, ArrayDeque<Entry>> byKey = new HashMap<>();
    private final Map<String, Set<Key>> keysByUser = new HashMap<>();
    private final Map<Long, Entry> bySeq = new HashMap<>();
    private long nextSeq;
    private int size;

    public PendingClicks() {}

    /** Number of clicks held. */
    public int size() {
        return size;
    }

    /** The sequence number the next click gets. */
    public long nextSeq() {
        return nextSeq;
    }

    /** Holds a click, not scored yet; returns its sequence number. */
    public long add(String userId, String itemId, long eventTime) {
        long seq = nextSeq++;
        insert(new PendingClick(seq, userId, itemId, eventTime));
        return seq;
    }

    /**
     * Records the purchase prediction of the held click {@code seq} of {@code userId} on {@code
     * itemId}; does nothing if that click is no longer held.
     */
    public void setPurchasePrediction(String userId, String itemId, long seq, float prediction) {
        ArrayDeque<Entry> entries = byKey.get(new Key(userId, itemId));
        if (entries == null) {
            return;
        }
        for (Entry entry : entries) {
            if (entry.click.seq() == seq) {
                PendingClick c = entry.click;
                entry.click =
                        new PendingClick(
                                c.seq(), c.userId(), c.itemId(), c.eventTime(), prediction);
                return;
            }
        }
    }

    /**
     * Removes the oldest held click of {@code userId} on {@code itemId}, if any; returns whether
     * there was one.
     */
    public boolean claim(String userId, String itemId) {
        return take(userId, itemId) != null;
    }

    /** Removes and returns the oldest held click of {@code userId} on {@code itemId}, or null. */
    public PendingClick take(String userId, String itemId) {
        Key key = new Key(userId, itemId);
        ArrayDeque<Entry> entries = byKey.get(key);
        if (entries == null) {
            return null;
        }
        Entry entry = entries.pollFirst();
        if (entries.isEmpty()) {
            removeKey(key);
        }
        entry.removed = true;
        bySeq.remove(entry.click.seq());
        size--;
        return entry.click;
    }

    /**
     * Removes and returns, in (event time, sequence) order, every held click more than {@code
     * windowMs} older than {@code clock}.
     */
    public List<PendingClick> expire(long clock, long windowMs) {
        List<PendingClick> expired = new ArrayList<>();
        while (!byTime.isEmpty()) {
            Entry head = byTime.peek();
            if (head.removed) {
                byTime.poll();
                continue;
            }
            if (!isExpired(head.click.eventTime(), clock, windowMs)) {
                break;
            }
            byTime.poll();
            Key key = new Key(head.click.userId(), head.click.itemId());
            ArrayDeque<Entry> entries = byKey.get(key);
            entries.remove(head);
            if (entries.isEmpty()) {
                removeKey(key);
            }
            head.removed = true;
            bySeq.remove(head.click.seq());
            size--;
            expired.add(head.click);
        }
        return expired;
    }

    /** True when {@code clock} is more than {@code windowMs} after {@code eventTime}. */
    static boolean isExpired(long eventTime, long clock, long windowMs) {
        if (clock <= eventTime) {
            return false;
        }
        long age = clock - eventTime;
        return age < 0 /* overflowed: older than any window */ || age > windowMs;
    }

    /** Drops every held click; the sequence counter goes on. */
    public void clear() {
        byTime.clear();
        byKey.clear();
        keysByUser.clear();
        bySeq.clear();
        size = 0;
    }

    /** The held clicks in sequence order, for snapshots. */
    public List<PendingClick> entries() {
        List<PendingClick> all = new ArrayList<>(size);
        for (ArrayDeque<Entry> entries : byKey.values()) {
            for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
                all.add(it.next().click);
            }
        }
        all.sort(Comparator.comparingLong(PendingClick::seq));
        return all;
    }

    /** Rebuilds the buffer from {@link #entries()} and {@link #nextSeq()} of a saved one. */
    public static PendingClicks restore(long nextSeq, List<PendingClick> entries) {
        PendingClicks pending = new PendingClicks();
        long previous = Long.MIN_VALUE;
        for (PendingClick click : entries) {
            if (click.seq() <= previous || click.seq() >= nextSeq) {
                throw new IllegalArgumentException(
                        "pending click sequence numbers must increase and stay below "
                                + nextSeq
                                + ", found "
                                + click.seq()
                                + " after "
                                + previous);
            }
            previous = click.seq();
            pending.insert(click);
        }
        pending.nextSeq = nextSeq;
        return pending;
    }

    private void insert(PendingClick click) {
        Entry entry = new Entry(click);
        byTime.add(entry);
        bySeq.put(click.seq(), entry);
        Key key = new Key(click.userId(), click.itemId());
        byKey.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(entry);
        keysByUser.computeIfAbsent(click.userId(), u -> new HashSet<>()).add(key);
        size++;
    }

    private void removeKey(Key key) {
        byKey.remove(key);
        Set<Key> keys = keysByUser.get(key.userId());
        keys.remove(key);
        if (keys.isEmpty()) {
            keysByUser.remove(key.userId());
        }
    }

    /** The held click numbered {@code seq}, or null if it is not held. */
    public PendingClick get(long seq) {
        Entry entry = bySeq.get(seq);
        return entry == null ? null : entry.click;
    }

    /** The held clicks of {@code userId}, in sequence order; empty if none. */
    public List<PendingClick> entriesOf(String userId) {
        Set<Key> keys = keysByUser.get(userId);
        if (keys == null) {
            return List.of();
        }
        List<PendingClick> clicks = new ArrayList<>();
        for (Key key : keys) {
            for (Entry entry : byKey.get(key)) {
                clicks.add(entry.click);
            }
        }
        clicks.sort(Comparator.comparingLong(PendingClick::seq));
        return clicks;
    }

    /** Whether {@code userId} has a held click. */
    public boolean holds(String userId) {
        return keysByUser.containsKey(userId);
    }

    /** The earliest event time of the held clicks of {@code userId}; Long.MAX_VALUE if none. */
    public long firstEventTime(String userId) {
        Set<Key> keys = keysByUser.get(userId);
        long earliest = Long.MAX_VALUE;
        if (keys != null) {
            for (Key key : keys) {
                for (Entry entry : byKey.get(key)) {
                    earliest = Math.min(earliest, entry.click.eventTime());
                }
            }
        }
        return earliest;
    }

    /**
     * Replaces the held clicks of {@code userId} with {@code clicks} (as exported by {@link
     * #entriesOf}, possibly from another buffer). They get fresh sequence numbers in their given
     * order: a sequence number is this buffer's arrival order, not part of the user's data, and
     * reusing a number from another buffer could collide. Event times and purchase predictions are
     * kept.
     *
     * @throws IllegalArgumentException if a click belongs to another user
     */
    public void replaceUser(String userId, List<PendingClick> clicks) {
        checkUser(userId, clicks);
        removeUser(userId);
        for (PendingClick click : clicks) {
            insert(
                    new PendingClick(
                            nextSeq++,
                            userId,
                            click.itemId(),
                            click.eventTime(),
                            click.purchasePrediction()));
        }
    }

    /**
     * Replaces the held clicks of {@code userId} with {@code clicks} that this buffer (or the one
     * it was restored from) numbered, keeping their sequence numbers: for a caller that keeps some
     * users' clicks elsewhere between batches and hands them back. Expiry and claims then go
     * exactly as if the clicks had never left, and the sequence counter does not move, so whether a
     * user's clicks stayed or went out and came back changes nothing that is learned.
     *
     * @throws IllegalArgumentException if a click belongs to another user, or the sequence numbers
     *     do not increase or are not below {@link #nextSeq()}
     */
    public void restoreUser(String userId, List<PendingClick> clicks) {
        checkUser(userId, clicks);
        long previous = Long.MIN_VALUE;
        for (PendingClick click : clicks) {
            if (click.seq() <= previous || click.seq() < 0 || click.seq() >= nextSeq) {
                throw new IllegalArgumentException(
                        "restored pending clicks of user '"
                                + userId
                                + "' must have increasing sequence numbers in [0, "
                                + nextSeq
                                + "), found "
                                + click.seq()
                                + " after "
                                + previous);
            }
            previous = click.seq();
        }
        removeUser(userId);
        for (PendingClick click : clicks) {
            insert(click);
        }
    }

    private static void checkUser(String userId, List<PendingClick> clicks) {
        for (PendingClick click : clicks) {
            if (!click.userId().equals(userId)) {
                throw new IllegalArgumentException(
                        "pending click of user '"
                                + click.userId()
                                + "' cannot be imported for user '"
                                + userId
                                + "'");
            }
        }
    }

    /** Drops the held clicks of {@code userId}; the sequence counter goes on. */
    public void removeUser(String userId) {
        Set<Key> keys = keysByUser.get(userId);
        if (keys != null) {
            for (Key key : List.copyOf(keys)) {
                for (Entry entry : byKey.get(key)) {
                    entry.removed = true;
                    bySeq.remove(entry.click.seq());
                    size--;
                }
                removeKey(key);
            }
        }
    }
}
