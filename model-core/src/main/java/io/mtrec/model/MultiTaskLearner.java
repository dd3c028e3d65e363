package io.mtrec.model;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.PurchaseTraining;
import io.mtrec.model.embedding.EmbeddingTable;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.metrics.ProgressiveMetrics;
import io.mtrec.model.network.ExampleBatch;
import io.mtrec.model.network.ItemScorer;
import io.mtrec.model.network.MultiTaskNetwork;
import io.mtrec.model.optim.GlobalNormClipping;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.UniformNegativeSampler;
import io.mtrec.model.snapshot.LearnerState;
import io.mtrec.model.snapshot.SnapshotCodec;
import io.mtrec.model.tasks.Losses;
import io.mtrec.model.tasks.Objective;
import io.mtrec.model.tasks.PendingClicks;
import io.mtrec.model.tasks.PendingClicks.PendingClick;
import io.mtrec.model.tasks.Task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The streaming multi-task learner: what the Flink training operator calls, one mini-batch at a
 * time. Pure Java and ND4J; not thread-safe (one instance per operator subtask).
 *
 * <p>Each {@link #learn} call turns events into examples — impression: click label 0; click: click
 * label 1, plus sampled click negatives, plus a pending purchase question; purchase: purchase label
 * 1 (claiming the pending click); rating: a rating example; expired pending clicks: purchase label
 * 0. With {@code purchase.training = esmm} the purchase labels train pCTCVR = pCTR * pCVR, and an
 * impression (or a sampled negative, which stands in for one) also carries a pCTCVR label 0 on the
 * same example as its click label, so the purchase loss covers the whole impression space; with
 * {@code click-space} they train pCVR on resolved clicks only. It then scores every real example
 * with the current parameters into the progressive metrics, and then takes one optimizer step on
 * the mean weighted loss, clipped to a global norm. A batch whose loss or gradient is not finite
 * changes no parameter and is counted.
 *
 * <p>The state (parameters, optimizer slots, pending clicks, sampler, metrics, counters)
 * round-trips through {@link #toSnapshotBytes()} exactly: a restored learner continues
 * bit-identically.
 *
 * <p>The purchase metric scores P(purchase | click) when the click is learned, with the parameters
 * of that moment, keeps the prediction with the pending click, and records it when the label
 * resolves (the purchase arrives, or the window passes). Scoring at resolution instead would score
 * a negative only after its click had trained the vectors for a window's worth of batches, and
 * positives sooner: a bias against the model that on planted data held the purchase AUC below 0.5
 * early on. A purchase with no held click (or whose click was in a skipped batch) is scored when it
 * is learned.
 */
public final class MultiTaskLearner {
    private static final int SCORE_CHUNK = 2048;

    private final ModelConfig config;
    private final Optimizer optimizer;
    private final MultiTaskNetwork network;
    private final UniformNegativeSampler sampler;
    private final PendingClicks pending;
    private final ProgressiveMetrics metrics;
    private final ExampleBatch batch = new ExampleBatch();
    private final int[] negatives;
    private final List<PurchaseResolution> resolutions = new ArrayList<>();
    private final List<NewClick> newClicks = new ArrayList<>();
    private final float lossWeightClick;
    private final float lossWeightPurchase;
    private final float lossWeightRating;
    private final float negativeWeight;
    private final float negativeCtcvrWeight;
    private final boolean esmm;
    private final float ratingMin;
    private final float ratingMax;
    private final double scoreWeightClick;
    private final double scoreWeightPurchase;
    private final double scoreWeightRating;
    private ItemScorer scorer;
    private long version;
    private long eventClock;
    private long nanBatchesSkipped;
    private long eventsLearned;
    private float[] clickLogits = new float[0];
    private float[] purchaseLogits = new float[0];
    private float[] ratingOutputs = new float[0];

    /** A new model with every parameter initialised from {@code config}'s seed. */
    public MultiTaskLearner(ModelConfig config) {
        this(
                new LearnerState(
                        config,
                        0L,
                        Long.MIN_VALUE,
                        0L,
                        0L,
                        MultiTaskNetwork.create(config, Optimizer.fromConfig(config)),
                        new PendingClicks(),
                        UniformNegativeSampler.seeded(config.seed()).state(),
                        new ProgressiveMetrics(config.metricsWindow())));
    }

    private MultiTaskLearner(LearnerState state) {
        this.config = state.config();
        this.optimizer = Optimizer.fromConfig(config);
        this.network = state.network();
        this.sampler = new UniformNegativeSampler(state.samplerState());
        this.pending = state.pending();
        this.metrics = state.metrics();
        this.version = state.version();
        this.eventClock = state.eventClock();
        this.nanBatchesSkipped = state.nanBatchesSkipped();
        this.eventsLearned = state.eventsLearned();
        this.negatives = new int[config.negativesPerPositive()];
        this.lossWeightClick = (float) config.lossWeightClick();
        this.lossWeightPurchase = (float) config.lossWeightPurchase();
        this.lossWeightRating = (float) config.lossWeightRating();
        this.negativeWeight = (float) (config.lossWeightClick() * config.negativesWeight());
        this.negativeCtcvrWeight = (float) (config.lossWeightPurchase() * config.negativesWeight());
        this.esmm = config.purchaseTraining() == PurchaseTraining.ESMM;
        this.ratingMin = (float) config.ratingMin();
        this.ratingMax = (float) config.ratingMax();
        this.scoreWeightClick = config.scoreWeightClick();
        this.scoreWeightPurchase = config.scoreWeightPurchase();
        this.scoreWeightRating = config.scoreWeightRating();
    }

    /** Restores a learner written by {@link #toSnapshotBytes()}. */
    public static MultiTaskLearner fromSnapshotBytes(byte[] bytes) {
        return new MultiTaskLearner(SnapshotCodec.decode(bytes));
    }

    /** The complete state in the versioned snapshot format of {@link SnapshotCodec}. */
    public byte[] toSnapshotBytes() {
        return SnapshotCodec.encode(
                new LearnerState(
                        config,
                        version,
                        eventClock,
                        nanBatchesSkipped,
                        eventsLearned,
                        network,
                        pending,
                        sampler.state(),
                        metrics));
    }

    /**
     * Learns from one mini-batch: builds the examples, records progressive-validation predictions
     * made with the current parameters, then takes one step.
     *
     * <p>A skipped batch (non-finite loss or gradient) changes no parameter, optimizer slot or
     * metric; its events still happened, so new ids keep their fresh rows and the event clock, last
     * event times, pending clicks and sampler state move on.
     *
     * @throws IllegalArgumentException before changing anything, if an event is invalid (a rating
     *     outside the configured scale or not finite); see {@link #rejectReason}
     */
    public BatchResult learn(List<Interaction> events) {
        for (Interaction event : events) {
            String reason = rejectReason(event);
            if (reason != null) {
                throw new IllegalArgumentException(
                        "event " + event.eventId() + " rejected: " + reason);
            }
        }
        EmbeddingTable users = network.users();
        EmbeddingTable items = network.items();
        Set<String> touched = new LinkedHashSet<>();
        batch.clear();
        int realExamples = 0;
        int sampled = 0;
        int expiredClicks = 0;
        int convertedClicks = 0;
        resolutions.clear();
        newClicks.clear();
        for (PendingClick expired : pending.expire(eventClock, config.conversionWindowMs())) {
            resolutions.add(new PurchaseResolution(expired, false, batch.size()));
            batch.add(
                    purchaseObjective(),
                    users.getOrCreate(expired.userId()),
                    items.getOrCreate(expired.itemId()),
                    0f,
                    lossWeightPurchase,
                    true);
            touched.add(expired.userId());
            realExamples++;
            expiredClicks++;
        }
        for (Interaction event : events) {
            int userRow = users.getOrCreate(event.userId());
            int itemRow = items.getOrCreate(event.itemId());
            long time = event.eventTime();
            users.touch(userRow, time);
            items.touch(itemRow, time);
            eventClock = Math.max(eventClock, time);
            touched.add(event.userId());
            realExamples++;
            switch (event.kind()) {
                case IMPRESSION -> {
                    int example =
                            batch.add(Objective.CLICK, userRow, itemRow, 0f, lossWeightClick, true);
                    if (esmm) {
                        batch.addLoss(example, Objective.CTCVR, 0f, lossWeightPurchase);
                    }
                }
                case CLICK -> {
                    long seq = pending.add(event.userId(), event.itemId(), time);
                    newClicks.add(new NewClick(seq, event.userId(), event.itemId(), batch.size()));
                    batch.add(Task.CLICK, userRow, itemRow, 1f, lossWeightClick, true);
                    int k = sampler.sample(itemRow, items.size(), negatives.length, negatives);
                    for (int i = 0; i < k; i++) {
                        int example =
                                batch.add(
                                        Objective.CLICK,
                                        userRow,
                                        negatives[i],
                                        0f,
                                        negativeWeight,
                                        false);
                        if (esmm) {
                            batch.addLoss(example, Objective.CTCVR, 0f, negativeCtcvrWeight);
                        }
                    }
                    sampled += k;
                }
                case PURCHASE -> {
                    PendingClick claimed = pending.take(event.userId(), event.itemId());
                    if (claimed != null) {
                        convertedClicks++;
                    }
                    resolutions.add(new PurchaseResolution(claimed, true, batch.size()));
                    batch.add(purchaseObjective(), userRow, itemRow, 1f, lossWeightPurchase, true);
                }
                case RATING ->
                        batch.add(
                                Task.RATING,
                                userRow,
                                itemRow,
                                event.value(),
                                lossWeightRating,
                                true);
            }
        }
        eventsLearned += events.size();
        Set<String> touchedUsers = Collections.unmodifiableSet(touched);
        if (batch.size() == 0) {
            return new BatchResult(version, 0, 0, 0, 0, 0, false, 0.0, 0.0, touchedUsers);
        }
        double loss = network.computeGradients(batch);
        double gradientNorm = Math.sqrt(network.gradientSumOfSquares());
        if (!Double.isFinite(loss) || !Double.isFinite(gradientNorm)) {
            nanBatchesSkipped++;
            return new BatchResult(
                    version,
                    events.size(),
                    realExamples,
                    sampled,
                    expiredClicks,
                    convertedClicks,
                    false,
                    loss,
                    gradientNorm,
                    touchedUsers);
        }
        recordMetrics();
        network.applyGradients(
                optimizer, GlobalNormClipping.scale(gradientNorm, config.gradientClipNorm()));
        version++;
        return new BatchResult(
                version,
                events.size(),
                realExamples,
                sampled,
                expiredClicks,
                convertedClicks,
                true,
                loss,
                gradientNorm,
                touchedUsers);
    }

    /** The loss a resolved purchase label trains: pCTCVR under ESMM, else pCVR. */
    private Objective purchaseObjective() {
        return esmm ? Objective.CTCVR : Objective.CONVERSION;
    }

    /** Why {@link #learn} would reject {@code event}, or null if it is valid. */
    public String rejectReason(Interaction event) {
        if (event.kind() == Interaction.Kind.RATING) {
            float r = event.value();
            if (!Float.isFinite(r) || r < ratingMin || r > ratingMax) {
                return "rating must be in ["
                        + config.ratingMin()
                        + ", "
                        + config.ratingMax()
                        + "] (rating.min, rating.max), got "
                        + r;
            }
        }
        return null;
    }

    /**
     * Records the batch's click and rating predictions, scores this batch's clicks for purchase
     * (kept with their pending clicks), and records the purchase labels that resolved in it.
     */
    private void recordMetrics() {
        for (int i = 0; i < batch.size(); i++) {
            if (!batch.isReal(i)) {
                continue;
            }
            float prediction = network.predictions(i);
            switch (batch.task(i)) {
                case CLICK -> metrics.addClick(prediction, batch.label(i) > 0.5f);
                case RATING -> metrics.addRating(clampRating(prediction), batch.label(i));
                case PURCHASE -> {} // below, with the prediction made at click time
            }
        }
        long firstNewSeq = newClicks.isEmpty() ? Long.MAX_VALUE : newClicks.get(0).seq();
        float[] newPredictions = new float[newClicks.size()];
        for (int k = 0; k < newClicks.size(); k++) {
            NewClick click = newClicks.get(k);
            newPredictions[k] = network.predict(batch, click.example(), Task.PURCHASE);
            pending.setPurchasePrediction(
                    click.userId(), click.itemId(), click.seq(), newPredictions[k]);
        }
        for (PurchaseResolution resolution : resolutions) {
            PendingClick click = resolution.click();
            float prediction;
            if (click == null) {
                prediction = network.predictions(resolution.example());
            } else if (!Float.isNaN(click.purchasePrediction())) {
                prediction = click.purchasePrediction();
            } else if (click.seq() >= firstNewSeq) {
                // Clicked and purchased within this batch.
                prediction = newPredictions[(int) (click.seq() - firstNewSeq)];
            } else {
                prediction = network.predictions(resolution.example());
            }
            metrics.addPurchase(prediction, resolution.converted());
        }
    }

    /** A purchase label that resolved in this batch: its held click, if any, and its example. */
    private record PurchaseResolution(PendingClick click, boolean converted, int example) {}

    /** A click held in this batch, and its click example. */
    private record NewClick(long seq, String userId, String itemId, int example) {}

    /**
     * Moves the event clock forward (a watermark). Pending clicks that fall more than {@code
     * conversion.window.ms} behind it become purchase negatives in the next {@link #learn} call.
     */
    public void advanceEventTime(long eventTime) {
        eventClock = Math.max(eventClock, eventTime);
    }

    /** Number of applied batches; starts at 0. */
    public long version() {
        return version;
    }

    /**
     * The {@code k} best items for {@code userId} over the whole item table, best blended score
     * first (ties: smaller item id first); empty for an unknown user. Deterministic: the same state
     * gives bit-identical floats, live or restored.
     */
    public List<ItemScore> topK(String userId, int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        EmbeddingTable users = network.users();
        EmbeddingTable items = network.items();
        int userRow = users.rowOf(userId);
        if (userRow < 0 || k == 0 || items.size() == 0) {
            return List.of();
        }
        int dim = users.dim();
        ensureScoreBuffers(SCORE_CHUNK);
        ItemScorer scorer = scorer();
        scorer.prepare(users.values(), userRow * dim);
        PriorityQueue<ItemScore> best = new PriorityQueue<>(k + 1, BETTER.reversed());
        float[] parts = new float[3];
        for (int start = 0; start < items.size(); start += SCORE_CHUNK) {
            int n = Math.min(SCORE_CHUNK, items.size() - start);
            scorer.score(
                    items.values(), start * dim, n, clickLogits, purchaseLogits, ratingOutputs);
            addBiases(users.biases(), userRow, items.biases(), start, n);
            for (int i = 0; i < n; i++) {
                float score = blend(i, parts);
                ItemScore worst = best.peek();
                if (best.size() == k && score < worst.score()) {
                    continue; // most items: cheaper than the full comparison below
                }
                String itemId = items.id(start + i);
                if (best.size() < k || better(score, itemId, worst.score(), worst.itemId()) < 0) {
                    if (best.size() == k) {
                        best.poll();
                    }
                    best.add(new ItemScore(itemId, parts[0], parts[1], parts[2], score));
                }
            }
        }
        List<ItemScore> result = new ArrayList<>(best);
        result.sort(BETTER);
        return result;
    }

    /** Negative when (scoreA, idA) ranks before (scoreB, idB): higher score, then smaller id. */
    private static int better(float scoreA, String idA, float scoreB, String idB) {
        int byScore = Float.compare(scoreB, scoreA);
        return byScore != 0 ? byScore : idA.compareTo(idB);
    }

    private static final Comparator<ItemScore> BETTER =
            (a, b) -> better(a.score(), a.itemId(), b.score(), b.itemId());

    /**
     * Scores one pair. An id the model has not seen is scored with the initial vector it would get
     * (a pure function of the seed and the id), without adding it.
     */
    public ItemScore score(String userId, String itemId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(itemId, "itemId");
        EmbeddingTable users = network.users();
        EmbeddingTable items = network.items();
        int dim = users.dim();
        float[] u = new float[dim];
        float[] v = new float[dim];
        int userRow = users.rowOf(userId);
        if (userRow >= 0) {
            users.copyRow(userRow, u, 0);
        } else {
            users.initialRow(userId, u, 0);
        }
        int itemRow = items.rowOf(itemId);
        if (itemRow >= 0) {
            items.copyRow(itemRow, v, 0);
        } else {
            items.initialRow(itemId, v, 0);
        }
        ensureScoreBuffers(1);
        ItemScorer scorer = scorer();
        scorer.prepare(u, 0);
        scorer.score(v, 0, 1, clickLogits, purchaseLogits, ratingOutputs);
        // An unseen id's biases are 0, as a new row's are.
        float[] noBiases = new float[Task.values().length];
        addBiases(
                userRow >= 0 ? users.biases() : noBiases,
                Math.max(userRow, 0),
                itemRow >= 0 ? items.biases() : noBiases,
                Math.max(itemRow, 0),
                1);
        float[] parts = new float[3];
        float score = blend(0, parts);
        return new ItemScore(itemId, parts[0], parts[1], parts[2], score);
    }

    /**
     * Adds the per-task biases of user row {@code userRow} and item rows {@code itemStart..+n} to
     * the scoring slots {@code 0..n}.
     */
    private void addBiases(
            float[] userBiases, int userRow, float[] itemBiases, int itemStart, int n) {
        int tasks = Task.values().length;
        float uc = userBiases[userRow * tasks + Task.CLICK.index()];
        float up = userBiases[userRow * tasks + Task.PURCHASE.index()];
        float ur = userBiases[userRow * tasks + Task.RATING.index()];
        for (int i = 0; i < n; i++) {
            int off = (itemStart + i) * tasks;
            clickLogits[i] += uc + itemBiases[off + Task.CLICK.index()];
            purchaseLogits[i] += up + itemBiases[off + Task.PURCHASE.index()];
            ratingOutputs[i] += ur + itemBiases[off + Task.RATING.index()];
        }
    }

    /**
     * The blended score of scoring slot {@code i}; writes P(click), P(click and purchase) and the
     * clamped rating into {@code parts}.
     */
    private float blend(int i, float[] parts) {
        float click = Losses.sigmoid(clickLogits[i]);
        float purchase = click * Losses.sigmoid(purchaseLogits[i]);
        float rating = clampRating(ratingOutputs[i]);
        parts[0] = click;
        parts[1] = purchase;
        parts[2] = rating;
        return (float)
                (scoreWeightClick * click
                        + scoreWeightPurchase * purchase
                        + scoreWeightRating * (rating - ratingMin) / (ratingMax - ratingMin));
    }

    private ItemScorer scorer() {
        if (scorer == null) {
            scorer = new ItemScorer(network);
        }
        return scorer;
    }

    private float clampRating(float rating) {
        return Math.max(ratingMin, Math.min(ratingMax, rating));
    }

    private void ensureScoreBuffers(int n) {
        if (clickLogits.length < n) {
            clickLogits = new float[n];
            purchaseLogits = new float[n];
            ratingOutputs = new float[n];
        }
    }

    /** Latest event time of {@code userId} seen in {@link #learn}, or {@link Long#MIN_VALUE}. */
    public long lastEventTime(String userId) {
        int row = network.users().rowOf(userId);
        return row < 0 ? Long.MIN_VALUE : network.users().lastSeen(row);
    }

    /** Progressive-validation figures over the configured window. */
    public MetricsSnapshot metrics() {
        return metrics.snapshot();
    }

    /**
     * The learned log-variance {@code s_k} of {@code task}'s loss, {@code sigma_k^2 = exp(s_k)}
     * (its loss is weighted by {@code exp(-s_k)}, halved for the rating); NaN when {@code
     * task.weighting} is static.
     */
    public double taskLogVariance(Task task) {
        return network.taskLogVariance(task);
    }

    /** Batches skipped because their loss or gradient was NaN or infinite. */
    public long nanBatchesSkipped() {
        return nanBatchesSkipped;
    }

    /** Events passed to {@link #learn}, applied or not. */
    public long eventsLearned() {
        return eventsLearned;
    }

    /** The event clock: the latest event time seen or passed to {@link #advanceEventTime}. */
    public long eventClock() {
        return eventClock;
    }

    /** Clicks waiting for a purchase or for their conversion window to pass. */
    public int pendingClicks() {
        return pending.size();
    }

    public int userCount() {
        return network.users().size();
    }

    public int itemCount() {
        return network.items().size();
    }

    public ModelConfig config() {
        return config;
    }
}
