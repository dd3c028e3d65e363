package io.mtrec.model.synthetic;

import io.mtrec.model.Interaction;
import io.mtrec.model.metrics.ProgressiveMetrics;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.ItemProfile;
import io.mtrec.schemas.PurchaseEvent;
import io.mtrec.schemas.RatingEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * An endless, reproducible stream of impressions, clicks, purchases and ratings drawn from a {@link
 * PlantedTruth}, in event-time order, with the Bayes-optimal metrics of what it has emitted.
 *
 * <p>Each impression advances the simulated clock by {@code event-gap-ms}: a user (uniform, or Zipf
 * by {@code user-zipf-exponent}) is shown an item drawn from a Zipf popularity and clicks it with
 * the true probability. A click converts with P(purchase | click); the purchase is scheduled
 * uniform(0, purchase-delay-max-ms] later. With {@code rating-probability} the click is also rated,
 * uniform(0, rating-delay-max-ms] later. Scheduled events wait in a priority queue, so {@link
 * #next()} always returns the earliest event; equal times come out in the order they were
 * scheduled, and a scheduled event comes before an impression at the same time.
 *
 * <p>Event ids are {@code "e" + n} for the n-th event emitted (from 0), users {@code "u" + index},
 * items {@code "i" + index}. The same config gives the identical sequence.
 *
 * <p>{@link #bayes()} is fed the true probabilities when events are emitted: every impression's
 * P(click) against its label, every click's P(purchase | click) against whether it converts (known,
 * and recorded, when the click is emitted), every rating's true mean against the rating. A model
 * evaluated in the same windows can be compared with it directly. Not thread-safe.
 */
public final class SyntheticGenerator {
    private final SyntheticConfig config;
    private final PlantedTruth truth;
    private final ZipfSampler itemSampler;
    private final ZipfSampler userSampler;
    private final SplittableRandom rng;
    private final PriorityQueue<Scheduled> scheduled;
    private final ProgressiveMetrics bayes;
    private final BitSet seenUsers;
    private final long eventGapMs;
    private final long purchaseDelayMaxMs;
    private final long ratingDelayMaxMs;
    private final double ratingProbability;
    private long nextImpressionTime;
    private long scheduleSequence;
    private long emitted;
    private int usersSeen;

    /**
     * @param metricsWindow window of each task in {@link #bayes()}, as in {@link
     *     ProgressiveMetrics#ProgressiveMetrics(int)}
     */
    public SyntheticGenerator(SyntheticConfig config, int metricsWindow) {
        this.config = config;
        this.truth = new PlantedTruth(config);
        this.itemSampler = new ZipfSampler(config.items(), config.zipfExponent());
        // Uniform users skip the alias table: one draw instead of two.
        this.userSampler =
                config.userZipfExponent() == 0.0
                        ? null
                        : new ZipfSampler(config.users(), config.userZipfExponent());
        this.rng = Seeds.component(config.seed(), Seeds.STREAM);
        this.scheduled = new PriorityQueue<>();
        this.bayes = new ProgressiveMetrics(metricsWindow);
        this.seenUsers = new BitSet(config.users());
        this.eventGapMs = config.eventGapMs();
        this.purchaseDelayMaxMs = config.purchaseDelayMaxMs();
        this.ratingDelayMaxMs = config.ratingDelayMaxMs();
        this.ratingProbability = config.ratingProbability();
        this.nextImpressionTime = config.startTime();
    }

    /** The event with the smallest event time not yet emitted. */
    public SyntheticEvent next() {
        Scheduled head = scheduled.peek();
        if (head != null && head.time <= nextImpressionTime) {
            scheduled.poll();
            return head.purchase ? emitPurchase(head) : emitRating(head);
        }
        return emitImpression();
    }

    private SyntheticEvent emitImpression() {
        long time = nextImpressionTime;
        nextImpressionTime += eventGapMs;
        int user = userSampler == null ? rng.nextInt(truth.users()) : userSampler.sample(rng);
        int item = itemSampler.sample(rng);
        double clickProbability = truth.clickProbability(user, item);
        boolean clicked = rng.nextDouble() < clickProbability;
        bayes.addClick(clickProbability, clicked);
        if (clicked) {
            double purchaseProbability = truth.purchaseProbability(user, item);
            boolean converts = rng.nextDouble() < purchaseProbability;
            bayes.addPurchase(purchaseProbability, converts);
            if (converts) {
                long at = time + 1 + rng.nextLong(purchaseDelayMaxMs);
                scheduled.add(new Scheduled(at, scheduleSequence++, true, user, item, 0f));
            }
            if (rng.nextDouble() < ratingProbability) {
                float rating = (float) truth.sampleRating(user, item, rng);
                long at = time + 1 + rng.nextLong(ratingDelayMaxMs);
                scheduled.add(new Scheduled(at, scheduleSequence++, false, user, item, rating));
            }
        }
        if (!seenUsers.get(user)) {
            seenUsers.set(user);
            usersSeen++;
        }
        String eventId = nextEventId();
        String userId = userId(user);
        String itemId = itemId(item);
        ClickEvent record =
                new ClickEvent(
                        eventId, userId, itemId, Instant.ofEpochMilli(time), clicked, null, null);
        Interaction interaction =
                clicked
                        ? Interaction.click(eventId, userId, itemId, time)
                        : Interaction.impression(eventId, userId, itemId, time);
        return new SyntheticEvent(record, interaction);
    }

    private SyntheticEvent emitPurchase(Scheduled s) {
        String eventId = nextEventId();
        String userId = userId(s.user);
        String itemId = itemId(s.item);
        PurchaseEvent record =
                new PurchaseEvent(eventId, userId, itemId, Instant.ofEpochMilli(s.time), 1, null);
        return new SyntheticEvent(record, Interaction.purchase(eventId, userId, itemId, s.time));
    }

    private SyntheticEvent emitRating(Scheduled s) {
        bayes.addRating(truth.ratingMean(s.user, s.item), s.rating);
        String eventId = nextEventId();
        String userId = userId(s.user);
        String itemId = itemId(s.item);
        RatingEvent record =
                new RatingEvent(eventId, userId, itemId, Instant.ofEpochMilli(s.time), s.rating);
        return new SyntheticEvent(
                record, Interaction.rating(eventId, userId, itemId, s.time, s.rating));
    }

    private String nextEventId() {
        return "e" + emitted++;
    }

    /** The wire id of user {@code index}. */
    public static String userId(int index) {
        return "u" + index;
    }

    /** The wire id of item {@code index}. */
    public static String itemId(int index) {
        return "i" + index;
    }

    /** Bayes-optimal progressive metrics of the events emitted so far. */
    public ProgressiveMetrics bayes() {
        return bayes;
    }

    /** Events emitted so far. */
    public long emitted() {
        return emitted;
    }

    /** Distinct users in the events emitted so far. */
    public int usersSeen() {
        return usersSeen;
    }

    public SyntheticConfig config() {
        return config;
    }

    public PlantedTruth truth() {
        return truth;
    }

    /** True P(click | the item is shown to the user). */
    public double clickProbability(int user, int item) {
        return truth.clickProbability(user, item);
    }

    /** True P(purchase | the user clicked the item). */
    public double purchaseProbability(int user, int item) {
        return truth.purchaseProbability(user, item);
    }

    /** True expected rating of the item by the user, on the configured scale. */
    public double ratingMean(int user, int item) {
        return truth.ratingMean(user, item);
    }

    /** Probability that an impression shows {@code item} (its Zipf popularity). */
    public double itemShare(int item) {
        return itemSampler.share(item);
    }

    /**
     * One profile per item, in item order, whose text embedding is a fixed random projection of the
     * item's factors plus small noise; the same config always gives the same embeddings, and
     * calling this does not change the event stream.
     */
    public List<ItemProfile> itemProfiles(long updatedAt) {
        TextEmbedder embedder =
                new TextEmbedder(
                        truth,
                        config.textEmbeddingDim(),
                        config.textEmbeddingNoise(),
                        Seeds.component(config.seed(), Seeds.TEXT));
        float[][] embeddings = embedder.embedAll();
        Instant at = Instant.ofEpochMilli(updatedAt);
        List<ItemProfile> profiles = new ArrayList<>(embeddings.length);
        for (int item = 0; item < embeddings.length; item++) {
            List<Float> embedding = new ArrayList<>(embeddings[item].length);
            for (float v : embeddings[item]) {
                embedding.add(v);
            }
            profiles.add(new ItemProfile(itemId(item), null, embedding, at));
        }
        return profiles;
    }

    /** A purchase or rating waiting for its event time; ordered by (time, sequence). */
    private record Scheduled(
            long time, long sequence, boolean purchase, int user, int item, float rating)
            implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int byTime = Long.compare(time, o.time);
            return byTime != 0 ? byTime : Long.compare(sequence, o.sequence);
        }
    }
}
