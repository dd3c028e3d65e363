package io.mtrec.model;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.PurchaseTraining;
import io.mtrec.model.embedding.EmbeddingTable;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.metrics.ProgressiveMetrics;
import io.mtrec.model.network.ExampleBatch;
import io.mtrec.model.network.MultiTaskNetwork;
import io.mtrec.model.network.UserItemScorer;
import io.mtrec.model.optim.GlobalNormClipping;
import io.mtrec.model.optim.Optimizer;
import io.mtrec.model.sampling.NegativeSampler;
import io.mtrec.model.snapshot.LearnerState;
import io.mtrec.model.snapshot.SnapshotCodec;
import io.mtrec.model.tasks.Losses;
import io.mtrec.model.tasks.Objective;
import io.mtrec.model.tasks.PendingClicks;
import io.mtrec.model.tasks.PendingClicks.PendingClick;
import io.mtrec.model.tasks.Task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
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
 * <p>Sampled negatives come from the configured {@link NegativeSampler}; with {@code
 * negatives.logq.correction} each carries the training-logit offset {@code -log(N Q(j))}, so a
 * popularity sampler's extra negatives on popular items do not pull their P(click) below what
 * uniform negatives would. Scoring never applies it. The sampler counts the batch's clicks and may
 * rebuild its distribution at the end of the batch, applied or skipped.
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
    private final NegativeSampler sampler;
    private final boolean logqCorrection;
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
    private UserItemScorer scorer;
    private long version;
    private long eventClock;
    private long nanBatchesSkipped;
    private long eventsLearned;
    private long lastSweepClock;
    private float[] projectedItems = new float[0];
    private boolean projectedItemsStale = true;
    private TopItems[] selectors = new TopItems[0];
    private BitSet[] leftOutRows = new BitSet[0];
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
                        Long.MIN_VALUE,
                        MultiTaskNetwork.create(config, Optimizer.fromConfig(config)),
                        new PendingClicks(),
                        NegativeSampler.fromConfig(config),
                        new ProgressiveMetrics(config.metricsWindow())));
    }

    private MultiTaskLearner(LearnerState state) {
        this.config = state.config();
        this.optimizer = Optimizer.fromConfig(config);
        this.network = state.network();
        this.sampler = state.sampler();
        // A popularity sampler counts clicks per item row: it must follow rows that eviction moves.
        network.items().addRemapListener(sampler);
        this.logqCorrection = config.negativesLogqCorrection();
        this.pending = state.pending();
        this.metrics = state.metrics();
        this.version = state.version();
        this.eventClock = state.eventClock();
        this.nanBatchesSkipped = state.nanBatchesSkipped();
        this.eventsLearned = state.eventsLearned();
        this.lastSweepClock = state.lastSweepClock();
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
        return SnapshotCodec.encode(state(pending));
    }

    /**
     * The snapshot bytes this learner would give after {@link #forgetUsers()} and {@link
     * #importUser} of each of {@code users} in their order, without changing it: the shared state
     * with exactly these users' rows and no held click. A caller that keeps per-user state
     * elsewhere writes its checkpoint (no users) and a model with every user this way while users
     * stay in the learner.
     *
     * @throws IllegalArgumentException if an id comes twice or a row does not fit this model's
     *     shapes
     */
    public byte[] toSnapshotBytes(List<UserRowState> users) {
        return SnapshotCodec.encode(
                state(PendingClicks.restore(pending.nextSeq(), List.of())), users);
    }

    private LearnerState state(PendingClicks clicks) {
        return new LearnerState(
                config,
                version,
                eventClock,
                nanBatchesSkipped,
                eventsLearned,
                lastSweepClock,
                network,
                clicks,
                sampler,
                metrics);
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
        projectedItemsStale = true;
        sweepIfDue();
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
        List<PendingClick> held = new ArrayList<>();
        List<PendingClick> released = new ArrayList<>();
        for (PendingClick expired : pending.expire(eventClock, config.conversionWindowMs())) {
            released.add(expired);
            int userRow = rowOrCreate(users, expired.userId());
            int itemRow = rowOrCreate(items, expired.itemId());
            resolutions.add(new PurchaseResolution(expired, false, batch.size()));
            batch.add(purchaseObjective(), userRow, itemRow, 0f, lossWeightPurchase, true);
            touched.add(expired.userId());
            realExamples++;
            expiredClicks++;
        }
        for (Interaction event : events) {
            long time = event.eventTime();
            int userRow = users.rowForSighting(event.userId(), time);
            int itemRow = items.rowForSighting(event.itemId(), time);
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
                    held.add(new PendingClick(seq, event.userId(), event.itemId(), time));
                    newClicks.add(new NewClick(seq, event.userId(), event.itemId(), batch.size()));
                    batch.add(Task.CLICK, userRow, itemRow, 1f, lossWeightClick, true);
                    int k = sampler.sample(itemRow, items.size(), negatives.length, negatives);
                    for (int i = 0; i < k; i++) {
                        float offset =
                                logqCorrection
                                        ? (float) -sampler.logSamplingRatio(itemRow, negatives[i])
                                        : 0f;
                        int example =
                                batch.add(
                                        Task.CLICK,
                                        userRow,
                                        negatives[i],
                                        0f,
                                        negativeWeight,
                                        offset,
                                        false);
                        if (esmm) {
                            batch.addLoss(example, Objective.CTCVR, 0f, negativeCtcvrWeight);
                        }
                    }
                    sampler.observeClick(itemRow);
                    sampled += k;
                }
                case PURCHASE -> {
                    PendingClick claimed = pending.take(event.userId(), event.itemId());
                    if (claimed != null) {
                        convertedClicks++;
                        released.add(claimed);
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
        sampler.endBatch(items.size());
        eventsLearned += events.size();
        Set<String> touchedUsers = Collections.unmodifiableSet(touched);
        if (batch.size() == 0) {
            return new BatchResult(
                    version, 0, 0, 0, 0, 0, false, 0.0, 0.0, touchedUsers, held, released);
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
                    touchedUsers,
                    held,
                    released);
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
                touchedUsers,
                held,
                released);
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
     * The row of an id in a label that was not sighted now (an expired click): its own row, the
     * cold row if it has none, or a fresh row when admission is off (the id was evicted inside the
     * conversion window, or its clicks were imported without its row).
     */
    private static int rowOrCreate(EmbeddingTable table, String id) {
        int row = table.rowOrCold(id);
        return row >= 0 ? row : table.getOrCreate(id);
    }

    /**
     * Evicts rows unseen for {@code embedding.ttl.ms}, once the event clock has moved an eighth of
     * the TTL since the last sweep: a row lives between one and 1.125 TTLs after its last event,
     * and a sweep's O(rows) scan is paid rarely. Driven by the event clock alone, so replays evict
     * at the same batches.
     */
    private void sweepIfDue() {
        long ttl = config.embeddingTtlMs();
        if (ttl == 0 || eventClock == Long.MIN_VALUE) {
            return;
        }
        long interval = Math.max(1, ttl / 8);
        if (lastSweepClock != Long.MIN_VALUE && eventClock - lastSweepClock < interval) {
            return;
        }
        long cutoff = eventClock - ttl < eventClock ? eventClock - ttl : Long.MIN_VALUE;
        network.users().evictOlderThan(cutoff, eventClock);
        network.items().evictOlderThan(cutoff, eventClock);
        lastSweepClock = eventClock;
    }

    /**
     * Sets the text embedding of {@code itemId} from its profile, which counts as the item's
     * admission: a new item gets its row at once, with a zero learned part and zero biases, so it
     * is scored by {@code P t} alone — the vector of a trained item with the same text, less that
     * item's own residual — instead of by {@code init.std} noise that would drown the text signal
     * until the item is trained. A known item keeps its row and gets the new text. Does nothing
     * when {@code item.text.dim} is 0.
     *
     * @throws IllegalArgumentException if {@link #profileRejectReason} gives a reason
     */
    public void updateItemProfile(String itemId, float[] textEmbedding) {
        Objects.requireNonNull(itemId, "itemId");
        String reason = profileRejectReason(itemId, textEmbedding);
        if (reason != null) {
            throw new IllegalArgumentException(
                    "profile of item " + itemId + " rejected: " + reason);
        }
        if (config.itemTextDim() == 0) {
            return;
        }
        EmbeddingTable items = network.items();
        int row = items.rowOf(itemId);
        if (row < 0) {
            row = items.getOrCreate(itemId);
            Arrays.fill(items.values(), row * items.dim(), (row + 1) * items.dim(), 0f);
            if (eventClock != Long.MIN_VALUE) {
                items.touch(row, eventClock);
            }
        }
        items.setFeatures(row, textEmbedding);
        sampler.itemsAdded(items.size());
        projectedItemsStale = true;
    }

    /**
     * Why {@link #updateItemProfile} would reject a profile, or null: with {@code item.text.dim} m
     * > 0 the text embedding must be present, of length m and finite; with m = 0 any profile is
     * accepted and ignored.
     */
    public String profileRejectReason(String itemId, float[] textEmbedding) {
        return profileRejectReason(config.itemTextDim(), textEmbedding);
    }

    /**
     * Why a profile's text embedding does not fit a model with {@code item.text.dim} m, or null:
     * with m > 0 it must be present, of length m and finite; with m = 0 anything fits.
     */
    public static String profileRejectReason(int m, float[] textEmbedding) {
        if (m == 0) {
            return null;
        }
        if (textEmbedding == null) {
            return "text embedding missing; item.text.dim is " + m;
        }
        if (textEmbedding.length != m) {
            return "text embedding has " + textEmbedding.length + " values, item.text.dim is " + m;
        }
        for (int k = 0; k < m; k++) {
            if (!Float.isFinite(textEmbedding[k])) {
                return "text embedding value " + k + " is not finite: " + textEmbedding[k];
            }
        }
        return null;
    }

    /** Whether {@code itemId} has its own row. */
    public boolean hasItemRow(String itemId) {
        return network.items().rowOf(itemId) >= 0;
    }

    /** The text embedding of {@code itemId}, or null if it has no row or text is off. */
    public float[] itemTextEmbedding(String itemId) {
        EmbeddingTable items = network.items();
        int row = items.rowOf(itemId);
        int m = items.featureWidth();
        if (row < 0 || m == 0) {
            return null;
        }
        return Arrays.copyOfRange(items.features(), row * m, (row + 1) * m);
    }

    /**
     * The state of {@code userId}'s own row as plain values, or null if the user has no row (never
     * seen, evicted, or not admitted yet: the cold row is shared, not the user's).
     */
    public UserRowState exportUser(String userId) {
        EmbeddingTable users = network.users();
        int row = users.rowOf(userId);
        if (row < 0) {
            return null;
        }
        int d = users.dim();
        int sw = d * users.slotsPerValue();
        int b = users.biasWidth();
        int bsw = b * users.slotsPerValue();
        return new UserRowState(
                userId,
                Arrays.copyOfRange(users.values(), row * d, (row + 1) * d),
                Arrays.copyOfRange(users.slots(), row * sw, (row + 1) * sw),
                Arrays.copyOfRange(users.biases(), row * b, (row + 1) * b),
                Arrays.copyOfRange(users.biasSlots(), row * bsw, (row + 1) * bsw),
                users.lastSeen(row),
                users.steps(row));
    }

    /**
     * Sets {@code state.userId()}'s row to {@code state}, creating (and so admitting) the row if
     * the user has none; {@code exportUser} then returns an equal state.
     *
     * @throws IllegalArgumentException if an array's length does not fit this model's shapes
     */
    public void importUser(UserRowState state) {
        EmbeddingTable users = network.users();
        float[] values = state.values();
        float[] slots = state.slots();
        float[] biases = state.biases();
        float[] biasSlots = state.biasSlots();
        // Check before creating, so a bad state leaves no row behind.
        if (values.length != users.dim()
                || slots.length != users.dim() * users.slotsPerValue()
                || biases.length != users.biasWidth()
                || biasSlots.length != users.biasWidth() * users.slotsPerValue()) {
            throw new IllegalArgumentException(
                    String.format(
                            "user state of '%s' has %d values, %d slots, %d biases and %d bias"
                                    + " slots; expected %d, %d, %d and %d (embedding.dim=%d,"
                                    + " optimizer=%s)",
                            state.userId(),
                            values.length,
                            slots.length,
                            biases.length,
                            biasSlots.length,
                            users.dim(),
                            users.dim() * users.slotsPerValue(),
                            users.biasWidth(),
                            users.biasWidth() * users.slotsPerValue(),
                            config.embeddingDim(),
                            config.optimizer()));
        }
        int row = users.rowOf(state.userId());
        if (row < 0) {
            // A new row takes the state as it is: no initial vector drawn only to be overwritten.
            users.restoreRow(
                    state.userId(),
                    values,
                    slots,
                    biases,
                    biasSlots,
                    state.lastSeen(),
                    state.steps());
        } else {
            users.overwriteRow(
                    row, values, slots, biases, biasSlots, state.lastSeen(), state.steps());
        }
    }

    /** Whether {@code userId} has its own row (not the shared cold row). */
    public boolean hasUserRow(String userId) {
        return network.users().rowOf(userId) >= 0;
    }

    /**
     * Forgets every user's own row and every held click, for a caller that keeps per-user state
     * elsewhere (a Flink operator's keyed state): it imports the users of a batch with {@link
     * #importUser} and {@link #importPendingClicks}, calls {@link #learn}, exports what changed,
     * then forgets. The shared cold row, the sighting counts of ids without a row, the item table,
     * the dense parameters and the click sequence counter stay.
     */
    public void forgetUsers() {
        network.users().removeIdRows();
        pending.clear();
    }

    /**
     * Forgets the own rows and held clicks of {@code userIds} only, as {@link #forgetUsers()} does
     * for every user; ids without a row are ignored.
     */
    public void forgetUsers(Set<String> userIds) {
        network.users().removeIdRows(userIds);
        for (String userId : userIds) {
            pending.removeUser(userId);
        }
    }

    /** The held click numbered {@code seq}, with its current purchase prediction, or null. */
    public PendingClick pendingClick(long seq) {
        return pending.get(seq);
    }

    /** Whether {@code userId} has clicks waiting for a purchase. */
    public boolean holdsPendingClicks(String userId) {
        return pending.holds(userId);
    }

    /**
     * The earliest event time of the clicks of {@code userId} waiting for a purchase, {@link
     * Long#MAX_VALUE} if none: when the first of them can expire.
     */
    public long firstPendingClickTime(String userId) {
        return pending.firstEventTime(userId);
    }

    /** The clicks of {@code userId} waiting for a purchase, as plain data, in arrival order. */
    public List<PendingClick> exportPendingClicks(String userId) {
        return pending.entriesOf(userId);
    }

    /**
     * Replaces the clicks of {@code userId} waiting for a purchase with {@code clicks}; they keep
     * their event times and click-time purchase predictions and get this learner's next sequence
     * numbers (see {@link PendingClicks#replaceUser}).
     */
    public void importPendingClicks(String userId, List<PendingClick> clicks) {
        pending.replaceUser(userId, clicks);
    }

    /**
     * Replaces the clicks of {@code userId} waiting for a purchase with {@code clicks} as {@link
     * #exportPendingClicks} gave them out of this learner (or the one it was restored from),
     * keeping their sequence numbers (see {@link PendingClicks#restoreUser}): what is learned then
     * does not depend on whether the clicks stayed here or went out and came back.
     *
     * @throws IllegalArgumentException if a click belongs to another user or its sequence number is
     *     not one this learner gave out, in increasing order
     */
    public void restorePendingClicks(String userId, List<PendingClick> clicks) {
        pending.restoreUser(userId, clicks);
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
        return topK(userId, k, Set.of());
    }

    /**
     * As {@link #topK(String, int)}, never returning an item of {@code excluded} (items the user
     * just bought or rated, say): the next best take their places.
     */
    public List<ItemScore> topK(String userId, int k, Set<String> excluded) {
        return topK(List.of(userId), k, List.of(excluded)).get(0);
    }

    /**
     * {@link #topK(String, int, Set)} of each of {@code userIds}, with {@code excluded.get(i)} left
     * out for user {@code i}; up to {@link UserItemScorer#maxUsers()} users share each pass over
     * the item table (one GEMM for the shared bottom's first layer), which costs about half as much
     * a user as one at a time. A GEMM of another shape may sum in another order, so a user's floats
     * can differ from a lone call's in the last bit; the same users in the same order always give
     * the same bits.
     */
    public List<List<ItemScore>> topK(
            List<String> userIds, int k, List<? extends Collection<String>> excluded) {
        List<int[]> excludedRows = new ArrayList<>(excluded.size());
        for (Collection<String> itemIds : excluded) {
            excludedRows.add(itemRows(itemIds));
        }
        return topKExcludingRows(userIds, k, excludedRows);
    }

    /**
     * The item table rows of those of {@code itemIds} that have one, in their order: valid for
     * {@link #topKExcludingRows} while {@link #itemLayoutVersion()} stays the same.
     */
    public int[] itemRows(Collection<String> itemIds) {
        EmbeddingTable items = network.items();
        int[] rows = new int[itemIds.size()];
        int n = 0;
        for (String itemId : itemIds) {
            int row = items.rowOf(itemId);
            if (row >= 0) {
                rows[n++] = row;
            }
        }
        return n == rows.length ? rows : Arrays.copyOf(rows, n);
    }

    /** Changes whenever an item gets, loses or changes its row (see {@link #itemRows}). */
    public long itemLayoutVersion() {
        return network.items().layoutVersion();
    }

    /**
     * {@link #topK(List, int, List)} with each user's left-out items given as item rows ({@link
     * #itemRows}), so a caller that scores the same user often looks their items up once.
     */
    public List<List<ItemScore>> topKExcludingRows(
            List<String> userIds, int k, List<int[]> excluded) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        if (excluded.size() != userIds.size()) {
            throw new IllegalArgumentException(
                    "one excluded set per user: "
                            + userIds.size()
                            + " users, "
                            + excluded.size()
                            + " sets");
        }
        List<List<ItemScore>> results = new ArrayList<>(userIds.size());
        EmbeddingTable users = network.users();
        EmbeddingTable items = network.items();
        // Users with a row (or the cold row), by index, and that row.
        int[] scored = new int[userIds.size()];
        int[] scoredRows = new int[userIds.size()];
        int scoredCount = 0;
        for (int u = 0; u < userIds.size(); u++) {
            results.add(List.of());
            int row = k > 0 && items.idRows() > 0 ? users.rowOrCold(userIds.get(u)) : -1;
            if (row >= 0) {
                scored[scoredCount] = u;
                scoredRows[scoredCount++] = row;
            }
        }
        if (scoredCount == 0) {
            return results;
        }
        int dim = users.dim();
        UserItemScorer scorer = scorer();
        int group = scorer.maxUsers();
        ensureScoreBuffers(group * SCORE_CHUNK);
        float[] itemVectors =
                network.textProjection() == null ? items.values() : projectedItemVectors();
        int coldItem = items.coldRow();
        float[] parts = new float[3];
        int[] rows = new int[group];
        int[] offsets = new int[group];
        ensureSelectors(group);
        for (int from = 0; from < scoredCount; from += group) {
            int count = Math.min(group, scoredCount - from);
            for (int g = 0; g < count; g++) {
                rows[g] = scoredRows[from + g];
                offsets[g] = rows[g] * dim;
                // No user gets more than every item: a huge k costs no more than the table.
                selectors[g].reset(Math.min(k, items.size()));
                // Left-out items as rows: a bit test per item instead of a string hash.
                BitSet leftOut = leftOutRows[g];
                leftOut.clear();
                for (int row : excluded.get(scored[from + g])) {
                    if (row >= items.size()) {
                        throw new IllegalArgumentException(
                                "excluded item row " + row + " is not in the item table");
                    }
                    leftOut.set(row);
                }
                if (coldItem >= 0) {
                    leftOut.set(coldItem); // stands for items not admitted yet, not one to offer
                }
            }
            scorer.prepareUsers(users.values(), offsets, count);
            for (int start = 0; start < items.size(); start += SCORE_CHUNK) {
                int n = Math.min(SCORE_CHUNK, items.size() - start);
                scorer.scoreUsers(
                        itemVectors,
                        start * dim,
                        n,
                        clickLogits,
                        purchaseLogits,
                        ratingOutputs,
                        SCORE_CHUNK);
                for (int g = 0; g < count; g++) {
                    int slot = g * SCORE_CHUNK;
                    addBiases(users.biases(), rows[g], items.biases(), start, n, slot);
                    BitSet leftOut = leftOutRows[g];
                    TopItems top = selectors[g];
                    for (int i = 0; i < n; i++) {
                        int row = start + i;
                        if (leftOut.get(row)) {
                            continue;
                        }
                        float score = blendUnlessBelow(slot + i, top.floor(), parts);
                        if (top.admits(score, row, items)) {
                            top.add(score, row, parts, items);
                        }
                    }
                }
            }
            for (int g = 0; g < count; g++) {
                results.set(scored[from + g], selectors[g].best(items));
            }
        }
        return results;
    }

    private void ensureSelectors(int group) {
        if (selectors.length < group) {
            selectors = new TopItems[group];
            leftOutRows = new BitSet[group];
            for (int g = 0; g < group; g++) {
                selectors[g] = new TopItems();
                leftOutRows[g] = new BitSet();
            }
        }
    }

    /**
     * The {@code k} best (score, item row) pairs seen, in a min-heap of primitives with the worst
     * at the root (lower score, then larger item id), so most items cost one comparison with the
     * root and no object; {@link ItemScore}s are made for the final {@code k} only.
     */
    private static final class TopItems {
        private int k;
        private int size;
        private float[] scores = new float[0];
        private int[] rows = new int[0];
        private float[] parts = new float[0];

        void reset(int k) {
            this.k = k;
            this.size = 0;
            if (scores.length < k) {
                scores = new float[k];
                rows = new int[k];
                parts = new float[3 * k];
            }
        }

        /** The worst score kept when full (nothing below it can get in), else -infinity. */
        float floor() {
            return size < k ? Float.NEGATIVE_INFINITY : scores[0];
        }

        /** Whether (score, row) ranks before the worst kept, or there is room. */
        boolean admits(float score, int row, EmbeddingTable items) {
            return size < k || worse(scores[0], rows[0], score, row, items);
        }

        void add(float score, int row, float[] itemParts, EmbeddingTable items) {
            if (size < k) {
                int at = size++;
                // Sift up: the parent of a better entry must be worse.
                while (at > 0) {
                    int parent = (at - 1) >>> 1;
                    if (!worse(score, row, scores[parent], rows[parent], items)) {
                        break;
                    }
                    move(parent, at);
                    at = parent;
                }
                put(at, score, row, itemParts, 0);
            } else {
                siftDown(score, row, itemParts, 0, items);
            }
        }

        /** Puts (score, row, parts) at the root's place and sifts it down to where it belongs. */
        private void siftDown(
                float score, int row, float[] from, int fromOffset, EmbeddingTable items) {
            int at = 0;
            while (true) {
                int child = 2 * at + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size
                        && worse(
                                scores[child + 1],
                                rows[child + 1],
                                scores[child],
                                rows[child],
                                items)) {
                    child++;
                }
                if (!worse(scores[child], rows[child], score, row, items)) {
                    break;
                }
                move(child, at);
                at = child;
            }
            put(at, score, row, from, fromOffset);
        }

        private void put(int at, float score, int row, float[] from, int fromOffset) {
            scores[at] = score;
            rows[at] = row;
            System.arraycopy(from, fromOffset, parts, 3 * at, 3);
        }

        private void move(int from, int to) {
            scores[to] = scores[from];
            rows[to] = rows[from];
            System.arraycopy(parts, 3 * from, parts, 3 * to, 3);
        }

        /**
         * Whether (scoreA, rowA) ranks after (scoreB, rowB): lower score (Float.compare, as {@link
         * #BETTER}: NaN ranks above every number), then larger item id.
         */
        private static boolean worse(
                float scoreA, int rowA, float scoreB, int rowB, EmbeddingTable items) {
            int byScore = Float.compare(scoreA, scoreB);
            if (byScore != 0) {
                return byScore < 0;
            }
            return items.id(rowA).compareTo(items.id(rowB)) > 0;
        }

        /**
         * The kept items, best first (the order of {@link #BETTER}), emptying the heap: the worst
         * is at the root, so popping fills the list from its end, with no comparator and no sort.
         */
        List<ItemScore> best(EmbeddingTable items) {
            ItemScore[] out = new ItemScore[size];
            while (size > 0) {
                out[size - 1] =
                        new ItemScore(items.id(rows[0]), parts[0], parts[1], parts[2], scores[0]);
                size--;
                if (size > 0) {
                    // The last entry moves to the root; sifting writes only below its old slot.
                    siftDown(scores[size], rows[size], parts, 3 * size, items);
                }
            }
            return Arrays.asList(out);
        }
    }

    /**
     * Every item's {@code row + P t}, rebuilt chunk by chunk only when parameters or profiles
     * changed since the last call: scores for many users between two batches (the per-user score
     * refresh after each batch) project the table once, not once per user, which measured twice the
     * cost of a {@code topK} at 20,000 items, m = 64.
     */
    private float[] projectedItemVectors() {
        EmbeddingTable items = network.items();
        int dim = items.dim();
        if (projectedItemsStale || projectedItems.length < items.size() * dim) {
            if (projectedItems.length < items.size() * dim) {
                projectedItems = new float[items.capacity() * dim];
            }
            for (int start = 0; start < items.size(); start += SCORE_CHUNK) {
                int n = Math.min(SCORE_CHUNK, items.size() - start);
                network.itemVectors(start, n, projectedItems, start * dim);
            }
            projectedItemsStale = false;
        }
        return projectedItems;
    }

    /** Negative when (scoreA, idA) ranks before (scoreB, idB): higher score, then smaller id. */
    private static int better(float scoreA, String idA, float scoreB, String idB) {
        int byScore = Float.compare(scoreB, scoreA);
        return byScore != 0 ? byScore : idA.compareTo(idB);
    }

    private static final Comparator<ItemScore> BETTER =
            (a, b) -> better(a.score(), a.itemId(), b.score(), b.itemId());

    /**
     * Scores one pair. An id without a row is scored with its table's cold row when admission is on
     * (as training would use it), otherwise with the initial vector it would get (a pure function
     * of the seed and the id), without adding it.
     */
    public ItemScore score(String userId, String itemId) {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(itemId, "itemId");
        EmbeddingTable users = network.users();
        EmbeddingTable items = network.items();
        int dim = users.dim();
        float[] u = new float[dim];
        float[] v = new float[dim];
        int userRow = users.rowOrCold(userId);
        if (userRow >= 0) {
            users.copyRow(userRow, u, 0);
        } else {
            users.initialRow(userId, u, 0);
        }
        int itemRow = items.rowOrCold(itemId);
        if (itemRow >= 0) {
            network.itemVectors(itemRow, 1, v, 0);
        } else {
            items.initialRow(itemId, v, 0);
        }
        ensureScoreBuffers(1);
        UserItemScorer scorer = scorer();
        scorer.prepare(u, 0);
        scorer.score(v, 0, 1, clickLogits, purchaseLogits, ratingOutputs);
        // An unseen id's biases are 0, as a new row's are.
        float[] noBiases = new float[Task.values().length];
        addBiases(
                userRow >= 0 ? users.biases() : noBiases,
                Math.max(userRow, 0),
                itemRow >= 0 ? items.biases() : noBiases,
                Math.max(itemRow, 0),
                1,
                0);
        float[] parts = new float[3];
        float score = blend(0, parts);
        return new ItemScore(itemId, parts[0], parts[1], parts[2], score);
    }

    /**
     * Adds the per-task biases of user row {@code userRow} and item rows {@code itemStart..+n} to
     * the scoring slots {@code slot..slot+n}.
     */
    private void addBiases(
            float[] userBiases, int userRow, float[] itemBiases, int itemStart, int n, int slot) {
        int tasks = Task.values().length;
        float uc = userBiases[userRow * tasks + Task.CLICK.index()];
        float up = userBiases[userRow * tasks + Task.PURCHASE.index()];
        float ur = userBiases[userRow * tasks + Task.RATING.index()];
        for (int i = 0; i < n; i++) {
            int off = (itemStart + i) * tasks;
            clickLogits[slot + i] += uc + itemBiases[off + Task.CLICK.index()];
            purchaseLogits[slot + i] += up + itemBiases[off + Task.PURCHASE.index()];
            ratingOutputs[slot + i] += ur + itemBiases[off + Task.RATING.index()];
        }
    }

    /**
     * The blended score of scoring slot {@code i}; writes P(click), P(click and purchase) and the
     * clamped rating into {@code parts}.
     */
    private float blend(int i, float[] parts) {
        return blendUnlessBelow(i, Float.NEGATIVE_INFINITY, parts);
    }

    /**
     * {@link #blend}, unless the score is certainly below {@code floor}: then an upper bound of it,
     * also below {@code floor}, without the purchase sigmoid, and {@code parts} untouched. P(click
     * and purchase) is at most P(click) and the weights are not negative, so the score with
     * P(click) in its place bounds it from above, rounding included (every step rounds
     * monotonically); a score equal to the floor is computed, as it may still rank in by item id.
     */
    private float blendUnlessBelow(int i, float floor, float[] parts) {
        float click = Losses.sigmoid(clickLogits[i]);
        float rating = clampRating(ratingOutputs[i]);
        double clickPart = scoreWeightClick * click;
        double ratingPart = scoreWeightRating * (rating - ratingMin) / (ratingMax - ratingMin);
        float bound = (float) (clickPart + scoreWeightPurchase * click + ratingPart);
        if (bound < floor) {
            return bound;
        }
        float purchase = click * Losses.sigmoid(purchaseLogits[i]);
        parts[0] = click;
        parts[1] = purchase;
        parts[2] = rating;
        return (float) (clickPart + scoreWeightPurchase * purchase + ratingPart);
    }

    private UserItemScorer scorer() {
        if (scorer == null) {
            scorer = UserItemScorer.forNetwork(network);
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

    /** Totals of recorded predictions now, to read {@link #metricsSince} later. */
    public ProgressiveMetrics.Mark metricsMark() {
        return metrics.mark();
    }

    /** Progressive-validation figures over the predictions recorded after {@code mark}. */
    public MetricsSnapshot metricsSince(ProgressiveMetrics.Mark mark) {
        return metrics.since(mark);
    }

    /**
     * Records into {@code target} the progressive predictions recorded after {@code mark}, to pool
     * several learners' (parallel replicas') predictions into one set of figures.
     */
    public void copyPredictionsSince(ProgressiveMetrics.Mark mark, ProgressiveMetrics target) {
        metrics.copySince(mark, target);
    }

    /**
     * The live network, for a component that reads or adds to parameters between batches (the
     * replica reconciliation of {@code io.mtrec.model.sync.ParameterSync}); whoever writes to it
     * calls {@link #parametersChanged()} before the next {@link #learn} or scoring call.
     */
    public MultiTaskNetwork network() {
        return network;
    }

    /**
     * Says that parameters were changed outside {@link #learn}: refreshes the layers' ND4J copies
     * of their weights and drops the cached projected item vectors.
     */
    public void parametersChanged() {
        network.syncWeights();
        sampler.itemsAdded(network.items().size());
        projectedItemsStale = true;
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

    /** Users with their own row (the cold row, if any, not counted). */
    public int userCount() {
        return network.users().idRows();
    }

    /** Items with their own row (the cold row, if any, not counted). */
    public int itemCount() {
        return network.items().idRows();
    }

    /** Ids without a row yet whose sightings are counted, users and items together. */
    public int trackedSightings() {
        return network.users().trackedSightings() + network.items().trackedSightings();
    }

    public ModelConfig config() {
        return config;
    }
}
