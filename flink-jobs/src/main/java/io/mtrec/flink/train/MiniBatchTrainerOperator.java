package io.mtrec.flink.train;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.ItemScore;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.events.EventTimeReleaser;
import io.mtrec.model.metrics.MetricsSnapshot;
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
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Trains the multi-task model on mini-batches that span many users, and emits fresh scores and
 * model snapshots.
 *
 * <p>A batch closes when it holds {@code batch.size} events or when its first event has waited
 * {@code batch.timeout.ms}. Users touched by a batch are marked dirty; at most once per {@code
 * scores.flush.interval.ms} every dirty user gets one score record (latest state wins). A snapshot
 * is published at most once per {@code snapshot.interval.ms}, always right after a flush, so the
 * users flushed with it carry the snapshot's model version.
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

    /** Snapshot chunks, keyed {@code modelId/version/part}. */
    public static final OutputTag<OutboundRecord> SNAPSHOTS =
            new OutputTag<>("snapshots", TypeInformation.of(OutboundRecord.class));

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
    private transient ListState<Long> releaseState;
    private transient EventTimeReleaser releaser;
    private transient AvroSerde<UserScores> scoresSerde;
    private transient AvroSerde<ModelSnapshotChunk> snapshotSerde;
    private transient long lastFlush;
    private transient long lastSnapshot;
    private transient long lastSnapshotVersion;
    private transient long batchOpenedAt;
    private transient long timerAt;
    private transient volatile MetricsSnapshot quality;
    private transient volatile long lastBatchNanos;
    private transient Counter eventsLearned;
    private transient Counter batches;
    private transient Counter scoresEmitted;
    private transient Counter snapshotsPublished;

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

        TrainerDevice.select(settings.compute(), getRuntimeContext());
        learner = null;
        buffer = new ArrayList<>();
        dirtyUsers = new LinkedHashSet<>();
        releaser = new EventTimeReleaser();
        if (context.isRestored()) {
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
        lastFlush = now;
        lastSnapshot = now;
        lastSnapshotVersion = -1;
        batchOpenedAt = now;
        timerAt = Long.MAX_VALUE;
        quality = learner.metrics();
        registerMetrics(getMetricGroup().addGroup("mtrec"));
        scheduleTimer(now);
    }

    private void registerMetrics(MetricGroup group) {
        eventsLearned = group.counter("eventsLearned");
        batches = group.counter("batches");
        scoresEmitted = group.counter("scoresEmitted");
        snapshotsPublished = group.counter("snapshotsPublished");
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
            trainBatch();
            publishIfDue(getProcessingTimeService().getCurrentProcessingTime());
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
        }
        publishIfDue(now);
        scheduleTimer(now);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (settings.eventTimeOrdering()) {
            trainReleased(releaser.release(mark.getTimestamp()));
            long now = getProcessingTimeService().getCurrentProcessingTime();
            publishIfDue(now);
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
        flushScores(getProcessingTimeService().getCurrentProcessingTime());
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
            next = Math.min(next, lastFlush + settings.scoresFlushIntervalMs());
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
    }

    private void publishIfDue(long now) throws Exception {
        if (now - lastFlush >= settings.scoresFlushIntervalMs()) {
            flushScores(now);
        }
        if (now - lastSnapshot >= settings.snapshotIntervalMs()) {
            flushScores(now);
            publishSnapshot(now);
        }
    }

    private void flushScores(long now) {
        lastFlush = now;
        quality = learner.metrics();
        if (dirtyUsers.isEmpty()) {
            return;
        }
        long version = learner.version();
        for (String user : dirtyUsers) {
            List<ScoredItem> items = new ArrayList<>();
            for (ItemScore s : learner.topK(user, settings.topK())) {
                items.add(
                        new ScoredItem(s.itemId(), s.click(), s.purchase(), s.rating(), s.score()));
            }
            UserScores scores =
                    UserScores.newBuilder()
                            .setUserId(user)
                            .setModelVersion(version)
                            .setProducedAt(Instant.ofEpochMilli(now))
                            .setLastEventTime(Instant.ofEpochMilli(learner.lastEventTime(user)))
                            .setItems(items)
                            .build();
            output.collect(
                    new StreamRecord<>(
                            new OutboundRecord(
                                    user.getBytes(StandardCharsets.UTF_8),
                                    scoresSerde.serialize(scores))));
            scoresEmitted.inc();
        }
        dirtyUsers.clear();
    }

    private void publishSnapshot(long now) {
        lastSnapshot = now;
        long version = learner.version();
        if (version == lastSnapshotVersion || version == 0) {
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
        lastSnapshotVersion = version;
        snapshotsPublished.inc();
    }
}
