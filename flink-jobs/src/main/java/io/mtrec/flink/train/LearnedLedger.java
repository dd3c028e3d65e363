package io.mtrec.flink.train;

import io.mtrec.model.sampling.SplitMix64;

/**
 * What a trainer has learned, as a count and an order-independent digest of event ids: the digest
 * is the sum (mod 2<sup>64</sup>) of a 64-bit hash of each learned event id, so two trainers that
 * learned the same events in any order, over any number of restarts, hold equal ledgers, and one
 * that lost or repeated an event almost surely does not. The trainer keeps one ledger per user in
 * keyed state and their total in operator state, and reports the total as the gauges {@code
 * learnedEvents} and {@code learnedEventDigest}.
 *
 * @param events number of learned events
 * @param digest sum of {@link #hash} over the learned event ids
 */
public record LearnedLedger(long events, long digest) {
    public static final LearnedLedger EMPTY = new LearnedLedger(0, 0);

    /** A 64-bit hash of {@code eventId}: FNV-1a, then SplitMix64's mixer. */
    public static long hash(String eventId) {
        return SplitMix64.mix(SplitMix64.hash64(eventId));
    }

    /** This ledger with one more learned event. */
    public LearnedLedger plus(String eventId) {
        return new LearnedLedger(events + 1, digest + hash(eventId));
    }

    /** The sum of two ledgers. */
    public LearnedLedger plus(LearnedLedger other) {
        return new LearnedLedger(events + other.events, digest + other.digest);
    }

    /** The ledger of {@code eventIds}, in any order. */
    public static LearnedLedger of(Iterable<String> eventIds) {
        LearnedLedger ledger = EMPTY;
        for (String id : eventIds) {
            ledger = ledger.plus(id);
        }
        return ledger;
    }
}
