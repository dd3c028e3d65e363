package io.mtrec.flink.train;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.ItemScore;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.events.EventTimeReleaser;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.metrics.QualityGate;
import io.mtrec.model.scoring.RecentItems;
import io.mtrec.model.snapshot.SnapshotChunks;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.ScoredItem;
import io.mtrec.schemas.UserScores;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trains the multi-task model on mini-batches that span many users, and emits fresh scores and
 * model snapshots.
 *
 * <p>A batch closes when it holds {@code batch.size} events or when its first event has waited
 * {@code batch.timeout.ms}. Users touched by a batch are marked dirty. A dirty user gets a score
 * record right after the batch if they got none within the last {@code scores.flush.interval.ms},
 * otherwise when that interval has passed: at most one record per user per interval, always of the
 * latest state, and a user's record follows their event within one interval plus one batch. The
 * record leaves out items the user recently bought or rated ({@code scores.exclude}). A snapshot is
 * taken at most once per {@code snapshot.interval.ms} and published only if its progressive figures
 * are no worse than the last published one's beyond {@code snapshot.gate.tolerance} ({@link
 * QualityGate}); a held-back version is counted ({@code snapshotsHeldBack}) and logged with the
 * reason.
 *
 * <p>With {@code ordering = event-time} events are held in an {@link EventTimeReleaser} until the
 * watermark passes them, released in (event time, event id) order, and trained in batches of
 * exactly {@code batch.size} (no batch timeout; the last partial batch at the end of input): the
 * batches, and so the model, depend only on the events and the settings, not on how Kafka
 * interleaved the topics. The event clock then moves with the released events only, not with the
 * watermarks (whose timing is not reproducible), so pending clicks expire at the same batch on
 * every run.
 *
 * <p>The model, the partial batch, the held events and the dirty users are operator state, so a
 * checkpoint taken in the middle of a batch restores that batch and does not change what is
 * learned. This version holds the whole model in one subtask: the job builder rejects a trainer
 * parallelism above 1.
 */
public final class MiniBatchTrainerOperator extends AbstractStreamOperator<OutboundRecord>
        implements OneInputStreamOperator<Interaction, OutboundRecord>,
                BoundedOneInput,
                ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MiniBatchTrainerOperator.class);

    /** Snapshot chunks, keyed {@code modelId/version/part}. */
    public static final OutputTag<OutboundRecord> SNAPSHOTS =
            new OutputTag<>("snapshots", TypeInformation.of(OutboundRecord.class));

    static final long QUALITY_REFRESH_MS = 1_000;

    /** Chunks stay well under Kafka's default 1 MiB message limit. */
    static final int MAX_CHUNK_BYTES = 900 * 1024;

    private final TrainerSettings settings;

    private transient MultiTaskLearner learner;
    private transient List<Interaction> buffer;
    private transient Set<String> dirtyUsers;
    private transient ListState<byte[]> learnerState;
    private transient ListState<byte[]> bufferState;
    private transient ListState<String> dirtyState;
    private transient ListState<byte[]> heldState;
    private transient ListState<byte[]> recentState;
    private transient ListState<Double> gateState;
    private transient ListState<Long> ledgerState;

    /** Total of every learned event's {@link LearnedLedger}; read by the gauges. */
    private transient volatile LearnedLedger ledger;

    private transient QualityGate gate;
    private transient volatile long lastPublishedVersion;
    private transient RecentItems recent;
    private transient Map<String, Long> lastScored;

    /**
     * The earliest time a dirty user may be scored, kept by {@link #flushScores} (which runs after
     * every batch): the timer reads it instead of scanning the dirty users on every event.
     */
    private transient long earliestScoreDue;

    private transient ListState<Long> releaseState;
    private transient EventTimeReleaser releaser;
    private transient AvroSerde<UserScores> scoresSerde;
    private transient AvroSerde<ModelSnapshotChunk> snapshotSerde;
    private transient long lastSnapshot;
    private transient long lastSnapshotVersion;
    private transient long batchOpenedAt;
    private transient long timerAt;
    private transient volatile MetricsSnapshot quality;

    /**
     * When {@link #quality} was last computed. Progressive AUC sorts the whole metrics window
     * (milliseconds at 20,000 predictions), so the gauges refresh at most every {@value
     * #QUALITY_REFRESH_MS} ms rather than after every batch.
     */
    private transient long qualityAt;

    private transient volatile long lastBatchNanos;
    private transient Counter eventsLearned;
    private transient Counter batches;
    private transient Counter scoresEmitted;
    private transient Counter snapshotsPublished;
    private transient Counter snapshotsHeldBack;
    private transient volatile long lastDecidedGauge;
    private transient Histogram batchSizes;
    private transient Histogram batchMillis;
    private transient Histogram scoreLatencyMillis;

    public MiniBatchTrainerOperator(TrainerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        var store = context.getOperatorStateStore();
        learnerState =
                store.getListState(
                        new ListStateDescriptor<>(
                                "learner", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        bufferState =
                store.getListState(
                        new ListStateDescriptor<>(
                                "partial-batch",
                                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        dirtyState = store.getListState(new ListStateDescriptor<>("dirty-users", String.class));
        heldState =
                store.getListState(
                        new ListStateDescriptor<>(
                                "event-time-held",
                                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        releaseState =
                store.getListState(new ListStateDescriptor<>("event-time-release", Long.class));
        gateState = store.getListState(new ListStateDescriptor<>("snapshot-gate", Double.class));
        ledgerState = store.getListState(new ListStateDescriptor<>("learned-ledger", Long.class));
        recentState =
                store.getListState(
                        new ListStateDescriptor<>(
                                "recent-items",
                                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));

        TrainerDevice.select(settings.compute(), getRuntimeContext());
        learner = null;
        buffer = new ArrayList<>();
        dirtyUsers = new LinkedHashSet<>();
        releaser = new EventTimeReleaser();
        recent =
                new RecentItems(
                        settings.excludePurchased(),
                        settings.excludeRated(),
                        settings.excludeMax());
        lastScored = new HashMap<>();
        gate = new QualityGate(settings.snapshotGateTolerance());
        ledger = LearnedLedger.EMPTY;
        if (context.isRestored()) {
            List<Long> saved = new ArrayList<>();
            ledgerState.get().forEach(saved::add);
            if (saved.size() == 2) {
                ledger = new LearnedLedger(saved.get(0), saved.get(1));
            }
            List<Double> baseline = new ArrayList<>();
            gateState.get().forEach(baseline::add);
            if (baseline.size() == 3) {
                gate.published(
                        new MetricsSnapshot(
                                baseline.get(0),
                                Double.NaN,
                                0,
                                baseline.get(1),
                                Double.NaN,
                                0,
                                baseline.get(2),
                                0));
            }
            for (byte[] bytes : recentState.get()) {
                recent =
                        RecentItems.fromBytes(
                                bytes,
                                settings.excludePurchased(),
                                settings.excludeRated(),
                                settings.excludeMax());
            }
            List<Interaction> held = new ArrayList<>();
            for (byte[] bytes : heldState.get()) {
                held.addAll(InteractionCodec.decode(bytes));
            }
            List<Long> release = new ArrayList<>();
            releaseState.get().forEach(release::add);
            if (!held.isEmpty() || !release.isEmpty()) {
                releaser.restore(
                        held,
                        release.isEmpty() ? Long.MIN_VALUE : release.get(0),
                        release.size() < 2 ? 0 : release.get(1));
            }
            for (byte[] bytes : learnerState.get()) {
                learner = MultiTaskLearner.fromSnapshotBytes(bytes);
            }
            for (byte[] bytes : bufferState.get()) {
                buffer.addAll(InteractionCodec.decode(bytes));
            }
            for (String user : dirtyState.get()) {
                dirtyUsers.add(user);
            }
        }
        if (learner == null) {
            learner = new MultiTaskLearner(ModelConfig.fromMap(settings.modelSettingsView()));
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        scoresSerde = AvroSerde.of(UserScores.class);
        snapshotSerde = AvroSerde.of(ModelSnapshotChunk.class);
        long now = getProcessingTimeService().getCurrentProcessingTime();
        lastSnapshot = now;
        lastSnapshotVersion = -1;
        batchOpenedAt = now;
        timerAt = Long.MAX_VALUE;
        quality = learner.metrics();
        qualityAt = now;
        registerMetrics(getMetricGroup().addGroup("mtrec"));
        scheduleTimer(now);
    }

    private void registerMetrics(MetricGroup group) {
        eventsLearned = group.counter("eventsLearned");
        batches = group.counter("batches");
        scoresEmitted = group.counter("scoresEmitted");
        snapshotsPublished = group.counter("snapshotsPublished");
        snapshotsHeldBack = group.counter("snapshotsHeldBack");
        group.gauge("lastPublishedVersion", () -> lastPublishedVersion);
        group.gauge("lastSnapshotDecidedVersion", () -> lastDecidedGauge);
        group.meter("eventsPerSecond", new MeterView(eventsLearned));
        batchSizes = group.histogram("batchSize", new DescriptiveStatisticsHistogram(1_000));
        batchMillis = group.histogram("batchMillis", new DescriptiveStatisticsHistogram(1_000));
        // Processing time minus the user's newest event time when their record is sent: the
        // event-to-score latency on a live stream (a backfill's old event times make it large).
        scoreLatencyMillis =
                group.histogram("eventToScoreMillis", new DescriptiveStatisticsHistogram(10_000));
        group.gauge("modelVersion", () -> versionGauge);
        group.gauge("clickAuc", () -> quality.clickAuc());
        group.gauge("clickLogLoss", () -> quality.clickLogLoss());
        group.gauge("purchaseAuc", () -> quality.purchaseAuc());
        group.gauge("purchaseLogLoss", () -> quality.purchaseLogLoss());
        group.gauge("ratingRmse", () -> quality.ratingRmse());
        group.gauge("usersInModel", () -> usersGauge);
        group.gauge("itemsInModel", () -> itemsGauge);
        group.gauge("nanBatchesSkipped", () -> nanGauge);
        group.gauge("lastBatchMillis", () -> lastBatchNanos / 1e6);
        group.gauge("eventsHeldForWatermark", () -> heldGauge);
        group.gauge("lateEvents", () -> lateGauge);
        group.gauge("learnedEvents", () -> ledger.events());
        group.gauge("learnedEventDigest", () -> ledger.digest());
    }

    private transient volatile long versionGauge;
    private transient volatile int usersGauge;
    private transient volatile int itemsGauge;
    private transient volatile long nanGauge;
    private transient volatile int heldGauge;
    private transient volatile long lateGauge;

    @Override
    public void processElement(StreamRecord<Interaction> element) throws Exception {
        if (settings.eventTimeOrdering()) {
            releaser.add(element.getValue());
            return;
        }
        if (buffer.isEmpty()) {
            batchOpenedAt = getProcessingTimeService().getCurrentProcessingTime();
        }
        buffer.add(element.getValue());
        if (buffer.size() >= settings.batchSize()) {
            trainBatch(); // scores the users it touched that are due
            snapshotIfDue(getProcessingTimeService().getCurrentProcessingTime());
        }
        scheduleTimer(getProcessingTimeService().getCurrentProcessingTime());
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        if (time >= timerAt) {
            timerAt = Long.MAX_VALUE;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (!settings.eventTimeOrdering()
                && !buffer.isEmpty()
                && now - batchOpenedAt >= settings.batchTimeoutMs()) {
            trainBatch();
        } else {
            flushScores(now, false);
        }
        snapshotIfDue(now);
        scheduleTimer(now);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (settings.eventTimeOrdering()) {
            trainReleased(releaser.release(mark.getTimestamp()));
            long now = getProcessingTimeService().getCurrentProcessingTime();
            snapshotIfDue(now);
            scheduleTimer(now);
        } else {
            learner.advanceEventTime(mark.getTimestamp());
        }
        super.processWatermark(mark);
    }

    /** Adds released events to the batch, training every time it holds {@code batch.size}. */
    private void trainReleased(List<Interaction> released) {
        for (Interaction event : released) {
            buffer.add(event);
            if (buffer.size() >= settings.batchSize()) {
                trainBatch();
            }
        }
    }

    @Override
    public void endInput() throws Exception {
        if (settings.eventTimeOrdering()) {
            trainReleased(releaser.releaseAll());
        }
        trainBatch();
        flushScores(getProcessingTimeService().getCurrentProcessingTime(), true);
        publishSnapshot(getProcessingTimeService().getCurrentProcessingTime());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        learnerState.update(List.of(learner.toSnapshotBytes()));
        bufferState.update(buffer.isEmpty() ? List.of() : List.of(InteractionCodec.encode(buffer)));
        dirtyState.update(new ArrayList<>(dirtyUsers));
        List<Interaction> held = releaser.pending();
        heldState.update(held.isEmpty() ? List.of() : List.of(InteractionCodec.encode(held)));
        releaseState.update(List.of(releaser.releasedUpTo(), releaser.lateEvents()));
        ledgerState.update(List.of(ledger.events(), ledger.digest()));
        recentState.update(recent.enabled() ? List.of(recent.toBytes()) : List.of());
        MetricsSnapshot baseline = gate.baseline();
        gateState.update(
                baseline == null
                        ? List.of()
                        : List.of(
                                baseline.clickAuc(),
                                baseline.purchaseAuc(),
                                baseline.ratingRmse()));
    }

    /**
     * Keeps one processing-time timer pending while anything waits: a partial batch, dirty users to
     * score, or a model version not yet snapshotted. An idle trainer holds no timer.
     */
    private void scheduleTimer(long now) {
        boolean unsnapshotted = learner.version() > 0 && learner.version() != lastSnapshotVersion;
        boolean batchWaits = !buffer.isEmpty() && !settings.eventTimeOrdering();
        if (!batchWaits && dirtyUsers.isEmpty() && !unsnapshotted) {
            return;
        }
        long next = Long.MAX_VALUE;
        if (!buffer.isEmpty() && !settings.eventTimeOrdering()) {
            next = batchOpenedAt + settings.batchTimeoutMs();
        }
        if (!dirtyUsers.isEmpty()) {
            next = Math.min(next, earliestScoreDue);
        }
        if (unsnapshotted) {
            next = Math.min(next, lastSnapshot + settings.snapshotIntervalMs());
        }
        next = Math.max(next, now + 1);
        // One timer at the earliest deadline; a later one that is overtaken fires harmlessly.
        if (next < timerAt) {
            timerAt = next;
            getProcessingTimeService().registerTimer(next, this);
        }
    }

    private void trainBatch() {
        if (buffer.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        BatchResult result = learner.learn(buffer);
        lastBatchNanos = System.nanoTime() - start;
        LearnedLedger total = ledger;
        for (Interaction event : buffer) {
            total = total.plus(event.eventId());
        }
        ledger = total;
        if (recent.enabled()) {
            for (Interaction event : buffer) {
                recent.observe(event);
            }
        }
        batchSizes.update(buffer.size());
        batchMillis.update(lastBatchNanos / 1_000_000);
        eventsLearned.inc(buffer.size());
        batches.inc();
        dirtyUsers.addAll(result.touchedUsers());
        buffer = new ArrayList<>();
        versionGauge = learner.version();
        usersGauge = learner.userCount();
        itemsGauge = learner.itemCount();
        nanGauge = learner.nanBatchesSkipped();
        heldGauge = releaser.size();
        lateGauge = releaser.lateEvents();
        flushScores(getProcessingTimeService().getCurrentProcessingTime(), false);
    }

    private void snapshotIfDue(long now) {
        if (now - lastSnapshot >= settings.snapshotIntervalMs()) {
            publishSnapshot(now);
        }
    }

    /** When {@code user} may get their next score record. */
    private long scoreDue(String user) {
        Long last = lastScored.get(user);
        return last == null ? Long.MIN_VALUE : last + settings.scoresFlushIntervalMs();
    }

    /**
     * Sends a score record to every dirty user whose interval has passed (every dirty user when
     * {@code force}, at the end of input), with the latest state.
     */
    private void flushScores(long now, boolean force) {
        if (force || now - qualityAt >= QUALITY_REFRESH_MS) {
            quality = learner.metrics();
            qualityAt = now;
        }
        if (dirtyUsers.isEmpty()) {
            return;
        }
        long version = learner.version();
        earliestScoreDue = Long.MAX_VALUE;
        for (Iterator<String> it = dirtyUsers.iterator(); it.hasNext(); ) {
            String user = it.next();
            long due = scoreDue(user);
            if (!force && due > now) {
                earliestScoreDue = Math.min(earliestScoreDue, due);
                continue;
            }
            it.remove();
            lastScored.put(user, now);
            List<ScoredItem> items = new ArrayList<>();
            for (ItemScore s : learner.topK(user, settings.topK(), recent.of(user))) {
                items.add(
                        new ScoredItem(s.itemId(), s.click(), s.purchase(), s.rating(), s.score()));
            }
            long lastEventTime = learner.lastEventTime(user);
            UserScores scores =
                    UserScores.newBuilder()
                            .setUserId(user)
                            .setModelVersion(version)
                            .setProducedAt(Instant.ofEpochMilli(now))
                            .setLastEventTime(Instant.ofEpochMilli(lastEventTime))
                            .setItems(items)
                            .build();
            if (lastEventTime != Long.MIN_VALUE) {
                scoreLatencyMillis.update(now - lastEventTime);
            }
            output.collect(
                    new StreamRecord<>(
                            new OutboundRecord(
                                    user.getBytes(StandardCharsets.UTF_8),
                                    scoresSerde.serialize(scores))));
            scoresEmitted.inc();
        }
        // Users scored longer than an interval ago are free again: forget them.
        if (lastScored.size() > 4 * Math.max(1_024, dirtyUsers.size())) {
            lastScored.values().removeIf(t -> now - t >= settings.scoresFlushIntervalMs());
        }
    }

    private void publishSnapshot(long now) {
        lastSnapshot = now;
        long version = learner.version();
        if (version == lastSnapshotVersion || version == 0) {
            return;
        }
        MetricsSnapshot figures = learner.metrics();
        quality = figures;
        qualityAt = now;
        QualityGate.Decision decision = gate.check(figures);
        lastSnapshotVersion = version;
        lastDecidedGauge = version;
        if (!decision.publish()) {
            snapshotsHeldBack.inc();
            LOG.info("model version {} held back: {}", version, decision.reason());
            return;
        }
        byte[] bytes = learner.toSnapshotBytes();
        for (ModelSnapshotChunk chunk :
                SnapshotChunks.split(settings.modelId(), version, now, bytes, MAX_CHUNK_BYTES)) {
            String key = chunk.getModelId() + "/" + chunk.getVersion() + "/" + chunk.getPart();
            output.collect(
                    SNAPSHOTS,
                    new StreamRecord<>(
                            new OutboundRecord(
                                    key.getBytes(StandardCharsets.UTF_8),
                                    snapshotSerde.serialize(chunk))));
        }
        gate.published(figures);
        lastPublishedVersion = version;
        snapshotsPublished.inc();
    }
}
