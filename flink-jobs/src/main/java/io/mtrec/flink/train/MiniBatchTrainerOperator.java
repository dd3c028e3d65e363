package io.mtrec.flink.train;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.BatchResult;
import io.mtrec.model.Interaction;
import io.mtrec.model.ItemScore;
import io.mtrec.model.MultiTaskLearner;
import io.mtrec.model.UserRowState;
import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.events.EventTimeReleaser;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.metrics.QualityGate;
import io.mtrec.model.scoring.RecentItems;
import io.mtrec.model.snapshot.SnapshotChunks;
import io.mtrec.model.sync.ParameterSync;
import io.mtrec.model.tasks.PendingClicks.PendingClick;
import io.mtrec.schemas.ModelSnapshotChunk;
import io.mtrec.schemas.ScoredItem;
import io.mtrec.schemas.UserScores;
import io.mtrec.schemas.serde.AvroSerde;
import io.mtrec.schemas.serde.RecordDecodingException;

import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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
 * <p><b>State.</b> Each user's embedding row with its optimizer state, the user's clicks waiting
 * for a purchase, the items they recently bought or rated, and the {@link LearnedLedger} of their
 * events are keyed state (heap or RocksDB backend), dropped {@code user.state.ttl.ms} after their
 * last write (Flink state TTL, processing time). Keyed state is the checkpointed truth, but it is
 * not read and written for every batch: a user's row and ledger are imported into the learner the
 * first time a batch needs them, and the user stays <em>resident</em> there (as a mini-batch
 * operator of Flink's Table runtime keeps its bundle in memory). What changed of the residents is
 * written back to keyed state at each checkpoint (in {@code snapshotState}, before the keyed state
 * is snapshotted); they stay resident, except those neither learned nor scored since the previous
 * checkpoint, which the checkpoint forgets. The learner's checkpoint and a published snapshot are
 * written without building a learner of their users ({@link
 * MultiTaskLearner#toSnapshotBytes(List)}); a snapshot takes the residents' rows from the learner
 * and the others' from keyed state, and writes nothing back. After a batch that leaves more than
 * {@code trainer.resident.users} resident (0: after every batch) every resident is written back and
 * forgotten. Reading and writing each batch's users took over 40 % of a saturated trainer, and
 * forgetting every resident at each checkpoint made the next second import them all again (a
 * latency spike every checkpoint). Residency changes nothing that is learned: rows come back bit
 * for bit, and held clicks keep the sequence numbers the learner gave them, so they expire and are
 * claimed in the same order whether they stayed or went out and came back (with {@code
 * model.embedding.ttl.ms} set the limit is 0, because the learner's TTL sweep would see other
 * rows). A user with held clicks in keyed state has one keyed event-time timer, at or before the
 * first time one of them expires (click time + conversion window + 1; a timer that fires early only
 * imports the clicks early), set when the user is written back (one per user, not one per click:
 * with a two-minute window a user held hundreds of clicks, and moving their timers at a write-back
 * took tens of milliseconds). The timers run on a clock the trainer moves itself, to the learner's
 * event clock just before each batch (not to the watermark, whose timing is not reproducible); a
 * fired timer imports all the user's held clicks, and the learner expires those due at that same
 * clock, so a click expires in the same batch on every run. A purchase imports its user's held
 * clicks (it may claim one). The item table, dense parameters, optimizer state, sampler, metrics
 * and model version (the learner), the partial batch, the held events and the dirty users are
 * operator state, so a checkpoint taken in the middle of a batch restores that batch and does not
 * change what is learned.
 *
 * <p><b>Parallel trainers.</b> At parallelism K > 1 each trainer owns the users Flink routes to it
 * and keeps a replica of the item table and dense parameters. After {@code param.sync.batches}
 * batches, or {@code param.sync.interval.ms}, it publishes its own updates since its last delta on
 * {@link #PARAM_DELTAS} (to {@code mtrec.param-sync}); the deltas of the others arrive on the
 * broadcast input and are applied once each ({@link ParameterSync}: (trainer, sequence) and the
 * base are checkpointed). Each trainer publishes its own snapshots, as shard {@code
 * <model.id>-<i>of<K>}: the replicated parameters and its users.
 */
public final class MiniBatchTrainerOperator extends AbstractStreamOperator<OutboundRecord>
        implements TwoInputStreamOperator<Interaction, TrainerControl, OutboundRecord>,
                BoundedMultiInput,
                ProcessingTimeCallback,
                Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MiniBatchTrainerOperator.class);

    /** Snapshot chunks, keyed {@code modelId/version/part}. */
    public static final OutputTag<OutboundRecord> SNAPSHOTS =
            new OutputTag<>("snapshots", TypeInformation.of(OutboundRecord.class));

    /**
     * Parameter delta chunks for the other trainers, keyed {@code modelId/sync/subtask}: one
     * partition per trainer keeps its deltas in sequence order.
     */
    public static final OutputTag<OutboundRecord> PARAM_DELTAS =
            new OutputTag<>("param-deltas", TypeInformation.of(OutboundRecord.class));

    /** The chunk section of a parameter delta. */
    static final String DELTA_SECTION = "delta";

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
    private transient ValueState<byte[]> rowState;

    /**
     * A user's held clicks with the sequence numbers the learner gave them, as one value ({@link
     * UserStateCodec#encodeClicks}): a write-back appends the clicks that arrived and those claimed
     * or expired since.
     */
    private transient ValueState<byte[]> clicksState;

    private transient ValueState<List<String>> recentState;
    private transient ValueState<long[]> userLedgerState;

    /** The time of the user's one held-click timer: the earliest expiry of their stored clicks. */
    private transient ValueState<Long> clickTimerState;

    private transient ValueStateDescriptor<byte[]> rowDescriptor;

    /** Every item profile received, by item id: restores a text embedding an evicted row lost. */
    private transient BroadcastState<String, float[]> profiles;

    private transient InternalTimerService<VoidNamespace> clickTimers;

    /** Users whose held-click timers fired while the click clock moved; imported in id order. */
    private transient TreeSet<String> expiring;

    /**
     * The users whose row, held clicks and ledger the learner holds between batches, by id: their
     * keyed state is written back at each checkpoint, before a snapshot is published, and when more
     * than {@link #residentLimit} are held (see the class comment).
     */
    private transient Map<String, Resident> residents;

    /** {@code trainer.resident.users}, or 0 where residency could change what is learned. */
    private transient int residentLimit;

    /** What the trainer knows of a resident user beyond what the learner holds. */
    private static final class Resident {
        /** The learner's row, held clicks or the ledger differ from keyed state. */
        boolean changed;

        /** Learned or scored since the last checkpoint: a resident not in use then is forgotten. */
        boolean inUse = true;

        /** Every held click of the user is in the learner, not only those since admission. */
        boolean clicksImported;

        /** The user's held-click timer in keyed state once the clicks are imported, or null. */
        Long storedTimer;

        /** Clicks held since the user became resident and still held: to put in keyed state. */
        final Set<Long> addedSeqs = new HashSet<>();

        /** Clicks in keyed state the learner has let go since: to remove from keyed state. */
        final Set<Long> removedSeqs = new HashSet<>();

        LearnedLedger ledger;

        /** Recently bought or rated items; null until read from keyed state. */
        List<String> recent;

        /**
         * The item rows of {@link #recent}, to leave out of score records: looked up once, not at
         * every record (at 10,000 records a second that took a tenth of the trainer); null when not
         * looked up since {@code recent} changed.
         */
        int[] excludedRows;

        /** The learner's item layout version {@link #excludedRows} were looked up at. */
        long excludedRowsVersion;

        boolean recentChanged;

        Resident(LearnedLedger ledger) {
            this.ledger = ledger;
        }
    }

    private transient long conversionWindowMs;

    /** Reconciles this trainer's replicated parameters with the others'; null with one trainer. */
    private transient ParameterSync sync;

    private transient ListState<byte[]> syncState;
    private transient ListState<byte[]> partialDeltaState;

    /** Chunks of other trainers' deltas not complete yet, by model id and sequence. */
    private transient Map<String, List<ModelSnapshotChunk>> partialDeltas;

    private transient int subtask;
    private transient int trainers;
    private transient int batchesSinceSync;
    private transient long lastSyncAt;
    private transient Counter deltasPublished;
    private transient Counter deltasApplied;
    private transient Counter deltasSkipped;
    private transient Counter deltasRejected;
    private transient boolean eventsEnded;
    private transient boolean profilesEnded;
    private transient ListState<Double> gateState;

    /**
     * The last model version the snapshot gate decided on, and the last one published: a version
     * written before a checkpoint was committed with it, so a restore must not publish it again.
     */
    private transient ListState<Long> snapshotVersionsState;

    private transient ListState<Long> ledgerState;

    /** Total of every learned event's {@link LearnedLedger}; read by the gauges. */
    private transient volatile LearnedLedger ledger;

    private transient QualityGate gate;
    private transient volatile long lastPublishedVersion;
    private transient RecentItems recent;
    private transient volatile long usersInStateGauge;
    private transient volatile int residentsGauge;
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
    private transient Histogram arrivalLagMillis;
    private transient Histogram checkpointMillis;
    private transient Histogram publishMillis;

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
        snapshotVersionsState =
                store.getListState(new ListStateDescriptor<>("snapshot-versions", Long.class));
        ledgerState = store.getListState(new ListStateDescriptor<>("ledger-total", Long.class));
        profiles =
                store.getBroadcastState(
                        new MapStateDescriptor<>(
                                "item-profiles",
                                BasicTypeInfo.STRING_TYPE_INFO,
                                PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        rowDescriptor =
                userState(
                        new ValueStateDescriptor<>(
                                "user-row", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        rowState = context.getKeyedStateStore().getState(rowDescriptor);
        clicksState =
                context.getKeyedStateStore()
                        .getState(
                                userState(
                                        new ValueStateDescriptor<>(
                                                "held-click-log",
                                                PrimitiveArrayTypeInfo
                                                        .BYTE_PRIMITIVE_ARRAY_TYPE_INFO)));
        recentState =
                context.getKeyedStateStore()
                        .getState(
                                userState(
                                        new ValueStateDescriptor<>(
                                                "recent-items",
                                                new ListTypeInfo<>(
                                                        BasicTypeInfo.STRING_TYPE_INFO))));
        userLedgerState =
                context.getKeyedStateStore()
                        .getState(
                                userState(
                                        new ValueStateDescriptor<>(
                                                "user-ledger",
                                                PrimitiveArrayTypeInfo
                                                        .LONG_PRIMITIVE_ARRAY_TYPE_INFO)));

        clickTimerState =
                context.getKeyedStateStore()
                        .getState(
                                userState(
                                        new ValueStateDescriptor<>(
                                                "held-click-timer", Long.class)));

        TrainerDevice.select(settings.compute(), getRuntimeContext());
        learner = null;
        buffer = new ArrayList<>();
        dirtyUsers = new LinkedHashSet<>();
        expiring = new TreeSet<>();
        residents = new HashMap<>();
        releaser = new EventTimeReleaser();
        recent =
                new RecentItems(
                        settings.excludePurchased(),
                        settings.excludeRated(),
                        settings.excludeMax());
        lastScored = new HashMap<>();
        gate = new QualityGate(settings.snapshotGateTolerance());
        ledger = LearnedLedger.EMPTY;
        lastSnapshotVersion = -1;
        if (context.isRestored()) {
            List<Long> versions = new ArrayList<>();
            snapshotVersionsState.get().forEach(versions::add);
            if (versions.size() == 2) {
                lastSnapshotVersion = versions.get(0);
                lastDecidedGauge = versions.get(0);
                lastPublishedVersion = versions.get(1);
            }
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
        conversionWindowMs = learner.config().conversionWindowMs();
        // The learner's TTL sweep evicts the rows it holds: with residents it would see other
        // users at a sweep than the batch's, so what it evicts would hang on checkpoint timing.
        residentLimit = learner.config().embeddingTtlMs() > 0 ? 0 : settings.residentUsers();
        initializeSync(store, context.isRestored());
    }

    /**
     * With more than one trainer, binds a {@link ParameterSync} to the learner: restored with it,
     * or new, when every replica starts from the same seed.
     */
    private void initializeSync(
            org.apache.flink.api.common.state.OperatorStateStore store, boolean restored)
            throws Exception {
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        trainers = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        syncState =
                store.getListState(
                        new ListStateDescriptor<>(
                                "param-sync",
                                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        partialDeltaState =
                store.getListState(
                        new ListStateDescriptor<>(
                                "param-sync-partial",
                                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        partialDeltas = new LinkedHashMap<>();
        sync = null;
        if (trainers == 1) {
            return;
        }
        if (restored) {
            for (byte[] bytes : syncState.get()) {
                sync = ParameterSync.restore(learner, bytes);
            }
            AvroSerde<ModelSnapshotChunk> serde = AvroSerde.of(ModelSnapshotChunk.class);
            for (byte[] bytes : partialDeltaState.get()) {
                ModelSnapshotChunk chunk = serde.deserialize(bytes);
                partialDeltas.computeIfAbsent(deltaKey(chunk), k -> new ArrayList<>()).add(chunk);
            }
        }
        if (sync == null) {
            sync = new ParameterSync(learner, subtask, trainers, settings.paramSync().merge());
        } else if (sync.replicas() != trainers || sync.subtask() != subtask) {
            throw new IllegalStateException(
                    "the checkpoint holds trainer "
                            + sync.subtask()
                            + " of "
                            + sync.replicas()
                            + ", this is trainer "
                            + subtask
                            + " of "
                            + trainers
                            + "; changing trainer.parallelism on restore is not supported");
        }
    }

    /** The model id of snapshots: one per trainer (a shard) when there are several. */
    private String snapshotModelId() {
        return trainers == 1
                ? settings.modelId()
                : settings.modelId() + "-" + subtask + "of" + trainers;
    }

    private String syncModelId(int trainer) {
        return settings.modelId() + "/sync/" + trainer;
    }

    private static String deltaKey(ModelSnapshotChunk chunk) {
        return chunk.getModelId() + "/" + chunk.getVersion();
    }

    /** {@code descriptor} with the user state TTL, when one is set. */
    private <D extends org.apache.flink.api.common.state.StateDescriptor<?, ?>> D userState(
            D descriptor) {
        if (settings.userStateTtlMs() > 0) {
            descriptor.enableTimeToLive(
                    StateTtlConfig.newBuilder(Duration.ofMillis(settings.userStateTtlMs()))
                            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            // Heap backend: check one more entry per state access (the default
                            // five took 4 % of a saturated trainer); RocksDB cleans up in
                            // compaction.
                            .cleanupIncrementally(1, false)
                            .build());
        }
        return descriptor;
    }

    @Override
    public void open() throws Exception {
        super.open();
        scoresSerde = AvroSerde.of(UserScores.class);
        snapshotSerde = AvroSerde.of(ModelSnapshotChunk.class);
        long now = getProcessingTimeService().getCurrentProcessingTime();
        lastSnapshot = now;
        lastSyncAt = now;
        batchOpenedAt = now;
        timerAt = Long.MAX_VALUE;
        quality = learner.metrics();
        qualityAt = now;
        clickTimers =
                getInternalTimerService(
                        "held-click-expiry", VoidNamespaceSerializer.INSTANCE, this);
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
        // Processing time minus event time when an event reaches the trainer: how far behind its
        // input the trainer reads (Kafka, source, network); the rest of eventToScoreMillis is
        // batching, training and the per-user score interval.
        arrivalLagMillis =
                group.histogram("eventToTrainerMillis", new DescriptiveStatisticsHistogram(10_000));
        // The trainer's own part of a checkpoint (writing residents back, operator state) and of a
        // published snapshot (every user's row from keyed state, the chunks): time in which it
        // reads no event.
        checkpointMillis =
                group.histogram("checkpointMillis", new DescriptiveStatisticsHistogram(1_000));
        publishMillis =
                group.histogram("snapshotPublishMillis", new DescriptiveStatisticsHistogram(1_000));
        group.gauge("modelVersion", () -> versionGauge);
        group.gauge("clickAuc", () -> quality.clickAuc());
        group.gauge("clickLogLoss", () -> quality.clickLogLoss());
        group.gauge("purchaseAuc", () -> quality.purchaseAuc());
        group.gauge("purchaseLogLoss", () -> quality.purchaseLogLoss());
        group.gauge("ratingRmse", () -> quality.ratingRmse());
        group.gauge("usersInState", () -> usersInStateGauge);
        group.gauge("usersResident", () -> residentsGauge);
        group.gauge("itemsInModel", () -> itemsGauge);
        group.gauge("nanBatchesSkipped", () -> nanGauge);
        group.gauge("lastBatchMillis", () -> lastBatchNanos / 1e6);
        group.gauge("eventsHeldForWatermark", () -> heldGauge);
        // Events read but not trained: a partial batch, or batches waiting for other trainers'
        // deltas (param.sync.max.lag).
        group.gauge("eventsWaitingInBatch", () -> waitingGauge);
        group.gauge("lateEvents", () -> lateGauge);
        deltasPublished = group.counter("paramDeltasPublished");
        deltasApplied = group.counter("paramDeltasApplied");
        deltasSkipped = group.counter("paramDeltasSkipped");
        deltasRejected = group.counter("paramDeltasRejected");
        group.gauge("learnedEvents", () -> ledger.events());
        group.gauge("learnedEventDigest", () -> ledger.digest());
    }

    private transient volatile long versionGauge;
    private transient volatile int itemsGauge;
    private transient volatile long nanGauge;
    private transient volatile int heldGauge;
    private transient volatile int waitingGauge;
    private transient volatile long lateGauge;

    @Override
    public void processElement1(StreamRecord<Interaction> element) throws Exception {
        long arrivedAt = getProcessingTimeService().getCurrentProcessingTime();
        arrivalLagMillis.update(arrivedAt - element.getValue().eventTime());
        if (settings.eventTimeOrdering()) {
            releaser.add(element.getValue());
            heldGauge = releaser.size();
            return;
        }
        if (buffer.isEmpty()) {
            batchOpenedAt = arrivedAt;
        }
        buffer.add(element.getValue());
        waitingGauge = buffer.size();
        if (buffer.size() >= settings.batchSize()) {
            trainFullBatches(); // scores the users they touched that are due
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
                && now - batchOpenedAt >= settings.batchTimeoutMs()
                && !syncAhead()) {
            trainFullBatches();
            trainBatch();
        } else {
            flushScores(now, false);
        }
        publishDeltaIfDue(now);
        snapshotIfDue(now);
        scheduleTimer(now);
    }

    /**
     * An item profile: kept in broadcast state and given to the learner at once (it takes effect
     * from the next batch). Profiles are validated upstream ({@code ItemProfileDecodeFunction}).
     */
    @Override
    public void processElement2(StreamRecord<TrainerControl> element) throws Exception {
        TrainerControl control = element.getValue();
        if (control.syncChunk != null) {
            receiveDeltaChunk(control.syncChunk);
            return;
        }
        if (learner.config().itemTextDim() > 0) {
            profiles.put(control.itemId, control.textEmbedding);
            learner.updateItemProfile(control.itemId, control.textEmbedding);
        }
    }

    /**
     * A chunk of a trainer's parameter delta: this trainer's own and other models' are ignored, the
     * others' are applied once complete, each (trainer, sequence) once ({@link ParameterSync} skips
     * replays). A delta that does not fit this model is counted and logged, not applied.
     */
    private void receiveDeltaChunk(byte[] bytes) throws Exception {
        if (sync == null) {
            return; // one trainer: nobody to reconcile with
        }
        ModelSnapshotChunk chunk;
        try {
            chunk = snapshotSerde.deserialize(bytes);
        } catch (RecordDecodingException e) {
            deltasRejected.inc();
            LOG.warn("undecodable param-sync record skipped: {}", e.getMessage());
            return;
        }
        String prefix = settings.modelId() + "/sync/";
        if (!chunk.getModelId().startsWith(prefix)
                || !DELTA_SECTION.equals(chunk.getSection())
                || chunk.getModelId().equals(syncModelId(subtask))) {
            return;
        }
        String key = deltaKey(chunk);
        List<ModelSnapshotChunk> parts = partialDeltas.computeIfAbsent(key, k -> new ArrayList<>());
        if (parts.stream().noneMatch(c -> c.getPart() == chunk.getPart())) {
            parts.add(chunk);
        }
        if (parts.size() < chunk.getParts()) {
            return;
        }
        partialDeltas.remove(key);
        byte[] delta = SnapshotChunks.assemble(parts);
        try {
            if (!sync.apply(delta)) {
                deltasSkipped.inc();
                return;
            }
        } catch (IllegalArgumentException e) {
            deltasRejected.inc();
            LOG.warn("parameter delta {} not applied: {}", key, e.getMessage());
            return;
        }
        deltasApplied.inc();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        long sequence = ParameterSync.sequenceOf(delta);
        if (sequence > sync.lastSequence()) {
            // Keep the sequences in step: the others count this trainer as caught up.
            publishDelta(now, sequence);
        }
        if (buffer.size() >= settings.batchSize()) {
            trainFullBatches(); // events that waited for this delta
        }
        scheduleTimer(now);
    }

    /**
     * Publishes this trainer's updates since its last delta, when it has trained {@code
     * param.sync.batches} batches or waited {@code param.sync.interval.ms} since then.
     */
    private void publishDeltaIfDue(long now) {
        if (sync == null || batchesSinceSync == 0) {
            return;
        }
        if (batchesSinceSync < settings.paramSync().batches()
                && now - lastSyncAt < settings.paramSync().intervalMs()) {
            return;
        }
        publishDelta(now, sync.lastSequence() + 1);
    }

    /** Publishes this trainer's updates since its last delta as delta {@code sequence}. */
    private void publishDelta(long now, long sequence) {
        byte[] delta = sync.takeDelta(sequence);
        for (ModelSnapshotChunk chunk :
                SnapshotChunks.split(
                        syncModelId(subtask),
                        sequence,
                        now,
                        delta,
                        MAX_CHUNK_BYTES,
                        DELTA_SECTION,
                        ParameterSync.FORMAT_VERSION)) {
            // Keyed by trainer alone: one partition keeps a trainer's deltas in sequence order,
            // and a delta that overtook an earlier one would make the earlier one a replay.
            String key = chunk.getModelId();
            output.collect(
                    PARAM_DELTAS,
                    new StreamRecord<>(
                            new OutboundRecord(
                                    key.getBytes(StandardCharsets.UTF_8),
                                    snapshotSerde.serialize(chunk))));
        }
        batchesSinceSync = 0;
        lastSyncAt = now;
        deltasPublished.inc();
    }

    /** The broadcast input carries no event time: its watermarks are ignored. */
    @Override
    public void processWatermark2(Watermark mark) {}

    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        if (settings.eventTimeOrdering()) {
            trainReleased(releaser.release(mark.getTimestamp()));
            heldGauge = releaser.size();
            long now = getProcessingTimeService().getCurrentProcessingTime();
            snapshotIfDue(now);
            scheduleTimer(now);
        } else {
            learner.advanceEventTime(mark.getTimestamp());
        }
        // Not super.processWatermark: that would move the held-click timers with the watermark;
        // they move with the learner's event clock instead (see the class comment).
        output.emitWatermark(mark);
    }

    /** Adds released events to the batch, training every time it holds {@code batch.size}. */
    private void trainReleased(List<Interaction> released) throws Exception {
        buffer.addAll(released);
        trainFullBatches();
    }

    @Override
    public void endInput(int inputId) throws Exception {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (inputId == 1) {
            eventsEnded = true;
            if (settings.eventTimeOrdering()) {
                buffer.addAll(releaser.releaseAll());
                heldGauge = 0;
            }
            // The end of input: no more deltas will come, so nothing waits for them.
            trainFullBatches(false);
            trainBatch();
            flushScores(now, true);
        } else {
            profilesEnded = true;
        }
        // The final snapshot waits for both inputs, so it holds every profile of a bounded run;
        // keyed state then holds every user as learned, as after a checkpoint.
        if (eventsEnded && profilesEnded) {
            writeBackChanges();
            publishSnapshot(now);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        long start = System.nanoTime();
        super.snapshotState(context);
        writeBackForCheckpoint(); // before the keyed state is snapshotted, after this method
        // The shared state only: the residents' rows and held clicks are in keyed state now.
        learnerState.update(List.of(learner.toSnapshotBytes(List.of())));
        if (sync != null) {
            syncState.update(List.of(sync.toBytes()));
            List<byte[]> partial = new ArrayList<>();
            for (List<ModelSnapshotChunk> parts : partialDeltas.values()) {
                for (ModelSnapshotChunk chunk : parts) {
                    partial.add(snapshotSerde.serialize(chunk));
                }
            }
            partialDeltaState.update(partial);
        }
        bufferState.update(buffer.isEmpty() ? List.of() : List.of(InteractionCodec.encode(buffer)));
        dirtyState.update(new ArrayList<>(dirtyUsers));
        List<Interaction> held = releaser.pending();
        heldState.update(held.isEmpty() ? List.of() : List.of(InteractionCodec.encode(held)));
        releaseState.update(List.of(releaser.releasedUpTo(), releaser.lateEvents()));
        ledgerState.update(List.of(ledger.events(), ledger.digest()));
        snapshotVersionsState.update(List.of(lastSnapshotVersion, lastPublishedVersion));
        MetricsSnapshot baseline = gate.baseline();
        gateState.update(
                baseline == null
                        ? List.of()
                        : List.of(
                                baseline.clickAuc(),
                                baseline.purchaseAuc(),
                                baseline.ratingRmse()));
        checkpointMillis.update((System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Keeps one processing-time timer pending while anything waits: a partial batch, dirty users to
     * score, or a model version not yet snapshotted. An idle trainer holds no timer.
     */
    private void scheduleTimer(long now) {
        boolean unsnapshotted = learner.version() > 0 && learner.version() != lastSnapshotVersion;
        boolean batchWaits = !buffer.isEmpty() && !settings.eventTimeOrdering();
        boolean unsynced = sync != null && batchesSinceSync > 0;
        if (!batchWaits && dirtyUsers.isEmpty() && !unsnapshotted && !unsynced) {
            return;
        }
        long next = Long.MAX_VALUE;
        // A trainer ahead of the others' deltas trains again when one arrives, not on a timer.
        if (!buffer.isEmpty() && !settings.eventTimeOrdering() && !syncAhead()) {
            next = batchOpenedAt + settings.batchTimeoutMs();
        }
        if (!dirtyUsers.isEmpty()) {
            next = Math.min(next, earliestScoreDue);
        }
        if (unsnapshotted) {
            next = Math.min(next, lastSnapshot + settings.snapshotIntervalMs());
        }
        if (unsynced) {
            next = Math.min(next, lastSyncAt + settings.paramSync().intervalMs());
        }
        next = Math.max(next, now + 1);
        // One timer at the earliest deadline; a later one that is overtaken fires harmlessly.
        if (next < timerAt) {
            timerAt = next;
            getProcessingTimeService().registerTimer(next, this);
        }
    }

    /**
     * Trains batches of {@code batch.size} from the front of the buffer while it holds one, unless
     * this trainer is too far ahead of the others' deltas ({@code param.sync.max.lag}): then the
     * events wait in the buffer until their deltas arrive.
     */
    private void trainFullBatches() throws Exception {
        trainFullBatches(true);
    }

    /**
     * Trains batches of {@code batch.size} from the front of the buffer, stopping early while this
     * trainer is ahead of the others' deltas if {@code waitForDeltas}; the rest of the buffer is
     * kept once, at the end, not after every batch.
     */
    private void trainFullBatches(boolean waitForDeltas) throws Exception {
        int size = settings.batchSize();
        int from = 0;
        while (buffer.size() - from >= size && !(waitForDeltas && syncAhead())) {
            train(new ArrayList<>(buffer.subList(from, from + size)));
            from += size;
        }
        if (from > 0) {
            buffer = new ArrayList<>(buffer.subList(from, buffer.size()));
        }
        if (!buffer.isEmpty()) {
            batchOpenedAt = getProcessingTimeService().getCurrentProcessingTime();
        }
        waitingGauge = buffer.size();
    }

    /** Trains the whole buffer as one batch (a timeout, the end of input). */
    private void trainBatch() throws Exception {
        if (buffer.isEmpty()) {
            return;
        }
        List<Interaction> batch = buffer;
        buffer = new ArrayList<>();
        waitingGauge = 0;
        train(batch);
    }

    /**
     * Whether this trainer has published {@code param.sync.max.lag} or more deltas beyond the last
     * one it applied from some other trainer. Trainers keep their delta sequences in step (each
     * publishes a delta of that sequence when it applies a higher one), so this bounds how many
     * batches a replica trains on parameters that miss the others' updates.
     */
    private boolean syncAhead() {
        int maxLag = settings.paramSync().maxLag();
        if (sync == null || maxLag == 0) {
            return false;
        }
        long own = sync.lastSequence();
        for (int p = 0; p < trainers; p++) {
            if (p != subtask && own - sync.lastApplied(p) >= maxLag) {
                return true;
            }
        }
        return false;
    }

    private void train(List<Interaction> batch) throws Exception {
        long start = System.nanoTime();
        Map<String, List<Interaction>> byUser = new LinkedHashMap<>();
        Set<String> buyers = new LinkedHashSet<>();
        for (Interaction event : batch) {
            byUser.computeIfAbsent(event.userId(), u -> new ArrayList<>()).add(event);
            if (event.kind() == Interaction.Kind.PURCHASE) {
                buyers.add(event.userId());
            }
        }
        restoreEvictedProfiles(batch);
        Set<String> users = importUsersFor(byUser.keySet(), buyers);
        BatchResult result = learner.learn(batch);
        users.addAll(result.touchedUsers());
        recordBatch(users, byUser, result);
        lastBatchNanos = System.nanoTime() - start;
        batchSizes.update(batch.size());
        batchMillis.update(lastBatchNanos / 1_000_000);
        eventsLearned.inc(batch.size());
        batches.inc();
        dirtyUsers.addAll(result.touchedUsers());
        residentsGauge = residents.size();
        versionGauge = learner.version();
        itemsGauge = learner.itemCount();
        nanGauge = learner.nanBatchesSkipped();
        heldGauge = releaser.size();
        lateGauge = releaser.lateEvents();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        batchesSinceSync++;
        publishDeltaIfDue(now);
        flushScores(now, false);
    }

    /**
     * Gives the learner the profile of every batch item that has none there because its row was
     * evicted (or the learner restarted without it), so the item comes back with its text.
     */
    private void restoreEvictedProfiles(List<Interaction> batch) throws Exception {
        if (learner.config().itemTextDim() == 0) {
            return;
        }
        for (Interaction event : batch) {
            if (!learner.hasItemRow(event.itemId())) {
                float[] text = profiles.get(event.itemId());
                if (text != null) {
                    learner.updateItemProfile(event.itemId(), text);
                }
            }
        }
    }

    /**
     * Moves the held-click clock to the learner's event clock, then makes the users whose clicks
     * expire and the batch's users resident (their rows imported from keyed state unless they are
     * already), with every held click of those whose clicks expire or who bought something in the
     * batch (a purchase may claim a held click). Returns the users.
     */
    private Set<String> importUsersFor(Set<String> batchUsers, Set<String> buyers)
            throws Exception {
        long clock = learner.eventClock();
        expiring.clear();
        if (clock != Long.MIN_VALUE && clock > clickTimers.currentWatermark()) {
            try {
                timeServiceManager.advanceWatermark(new Watermark(clock));
            } catch (Exception e) {
                throw new IllegalStateException("held-click timers failed", e);
            }
        }
        Set<String> users = new LinkedHashSet<>(expiring);
        users.addAll(batchUsers);
        for (String user : users) {
            Resident resident = resident(user);
            if (!resident.clicksImported && (expiring.contains(user) || buyers.contains(user))) {
                importStoredClicks(user, resident);
            }
        }
        return users;
    }

    /**
     * {@code user}'s resident entry; a user not resident yet gets their row and ledger imported
     * from keyed state (and becomes the current key).
     */
    private Resident resident(String user) throws IOException {
        Resident resident = residents.get(user);
        if (resident != null) {
            resident.inUse = true;
            return resident;
        }
        setCurrentKey(user);
        byte[] row = rowState.value();
        if (row != null) {
            learner.importUser(UserStateCodec.decodeRow(user, row));
        }
        long[] saved = userLedgerState.value();
        resident =
                new Resident(
                        saved == null
                                ? LearnedLedger.EMPTY
                                : new LearnedLedger(saved[0], saved[1]));
        residents.put(user, resident);
        return resident;
    }

    /**
     * Adds {@code user}'s held clicks in keyed state to those the learner holds for them (the
     * clicks since they became resident, all later arrivals, some of them written back already),
     * keeping every click's sequence number, so that they expire and are claimed in the same order
     * as if they had never left.
     */
    private void importStoredClicks(String user, Resident resident) throws Exception {
        setCurrentKey(user);
        List<PendingClick> stored = storedClicksOfCurrentKey(user);
        resident.clicksImported = true;
        resident.storedTimer = clickTimerState.value();
        // Clicks held since admission and written back since are in both places.
        stored.removeIf(
                click -> {
                    PendingClick held = learner.pendingClick(click.seq());
                    return held != null && held.userId().equals(user);
                });
        if (stored.isEmpty()) {
            return;
        }
        // Stored clicks came before those held since admission: together, in sequence order.
        List<PendingClick> all = new ArrayList<>(stored);
        all.addAll(learner.exportPendingClicks(user));
        try {
            learner.restorePendingClicks(user, all);
        } catch (IllegalArgumentException e) {
            // Numbered by another learner (state moved to another trainer): numbered afresh, and
            // keyed state is rewritten with the new numbers at write-back, all as added clicks.
            learner.importPendingClicks(user, all);
            clicksState.clear();
            resident.removedSeqs.clear();
            resident.addedSeqs.clear();
            for (PendingClick click : learner.exportPendingClicks(user)) {
                resident.addedSeqs.add(click.seq());
            }
        }
    }

    /** The held clicks in keyed state of {@code user}, the current key, in arrival order. */
    private List<PendingClick> storedClicksOfCurrentKey(String user) throws Exception {
        byte[] stored = clicksState.value();
        return stored == null ? new ArrayList<>() : UserStateCodec.decodeClicks(user, stored);
    }

    /** {@code user}'s row in keyed state, or null. */
    @VisibleForTesting
    UserRowState storedRow(String user) throws IOException {
        setCurrentKey(user);
        byte[] row = rowState.value();
        return row == null ? null : UserStateCodec.decodeRow(user, row);
    }

    /** {@code user}'s held clicks in keyed state; empty if none. */
    @VisibleForTesting
    List<PendingClick> storedClicks(String user) throws Exception {
        setCurrentKey(user);
        return storedClicksOfCurrentKey(user);
    }

    /** {@code user}'s recently bought or rated items in keyed state; empty if none. */
    @VisibleForTesting
    List<String> storedRecentItems(String user) throws IOException {
        setCurrentKey(user);
        List<String> items = recentState.value();
        return items == null ? List.of() : items;
    }

    /** {@code user}'s ledger in keyed state, or null. */
    @VisibleForTesting
    LearnedLedger storedLedger(String user) throws IOException {
        setCurrentKey(user);
        long[] saved = userLedgerState.value();
        return saved == null ? null : new LearnedLedger(saved[0], saved[1]);
    }

    /** The learner: the replicated parameters and the resident users. */
    @VisibleForTesting
    MultiTaskLearner learner() {
        return learner;
    }

    /** A held click's timer fired: its user's clicks are imported before the next batch. */
    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        expiring.add(timer.getKey());
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}

    /**
     * Marks the batch's users changed (the learner holds their new rows and held clicks), and adds
     * their events to their ledgers and recent items.
     */
    private void recordBatch(
            Set<String> users, Map<String, List<Interaction>> byUser, BatchResult result)
            throws IOException {
        for (String user : users) {
            Resident resident = residents.get(user);
            if (resident == null) {
                throw new IllegalStateException("user " + user + " was learned without import");
            }
            resident.changed = true;
        }
        // The learner holds clicks of resident users only.
        for (PendingClick click : result.heldClicks()) {
            residents.get(click.userId()).addedSeqs.add(click.seq());
        }
        for (PendingClick click : result.releasedClicks()) {
            Resident resident = residents.get(click.userId());
            if (!resident.addedSeqs.remove(click.seq())) {
                resident.removedSeqs.add(click.seq());
            }
        }
        LearnedLedger total = ledger;
        for (Map.Entry<String, List<Interaction>> entry : byUser.entrySet()) {
            Resident resident = residents.get(entry.getKey());
            LearnedLedger learned = LearnedLedger.EMPTY;
            for (Interaction event : entry.getValue()) {
                learned = learned.plus(event.eventId());
                if (recent.keeps(event)) {
                    resident.recent = recent.remember(recentOf(entry.getKey(), resident), event);
                    resident.recentChanged = true;
                    resident.excludedRows = null;
                }
            }
            resident.ledger = resident.ledger.plus(learned);
            total = total.plus(learned);
        }
        ledger = total;
    }

    private static final int[] NO_ROWS = new int[0];

    /** The item rows of {@code user}'s recently bought or rated items. */
    private int[] excludedRows(String user, Resident resident) throws IOException {
        long version = learner.itemLayoutVersion();
        if (resident.excludedRows == null || resident.excludedRowsVersion != version) {
            resident.excludedRows = learner.itemRows(recentOf(user, resident));
            resident.excludedRowsVersion = version;
        }
        return resident.excludedRows;
    }

    /** {@code user}'s recently bought or rated items, read from keyed state on first use. */
    private List<String> recentOf(String user, Resident resident) throws IOException {
        if (resident.recent == null) {
            setCurrentKey(user);
            List<String> stored = recentState.value();
            resident.recent = stored == null ? List.of() : stored;
        }
        return resident.recent;
    }

    /** Writes the residents back to keyed state if there are more than the limit. */
    private void writeBackResidentsOverLimit() {
        if (residents.size() > residentLimit) {
            writeBackResidents();
        }
    }

    /**
     * Writes what changed of every resident user back to keyed state (row, held clicks with their
     * timers, ledger, recent items), then forgets them: the learner holds no user after this.
     */
    private void writeBackResidents() {
        writeBackChanges();
        residents.clear();
        learner.forgetUsers();
    }

    /**
     * Writes what changed of every resident user back to keyed state; they stay resident, with
     * keyed state now equal to what the learner holds of them.
     */
    private void writeBackChanges() {
        try {
            for (Map.Entry<String, Resident> entry : residents.entrySet()) {
                Resident resident = entry.getValue();
                if (resident.changed || resident.recentChanged) {
                    writeBack(entry.getKey(), resident);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot write users back to keyed state", e);
        }
    }

    /**
     * At a checkpoint: writes what changed back, and forgets the residents not learned or scored
     * since the last checkpoint, so only active users stay in the learner (at most one checkpoint
     * interval after their last event, as a user stays in keyed state no longer than its TTL).
     */
    private void writeBackForCheckpoint() {
        writeBackChanges();
        Set<String> idle = new HashSet<>();
        for (Map.Entry<String, Resident> entry : residents.entrySet()) {
            if (!entry.getValue().inUse) {
                idle.add(entry.getKey());
            }
            entry.getValue().inUse = false;
        }
        residents.keySet().removeAll(idle);
        learner.forgetUsers(idle);
    }

    private void writeBack(String user, Resident resident) throws Exception {
        setCurrentKey(user);
        if (resident.recentChanged) {
            recentState.update(new ArrayList<>(resident.recent));
            resident.recentChanged = false;
        }
        if (!resident.changed) {
            return;
        }
        resident.changed = false;
        UserRowState row = learner.exportUser(user);
        if (row == null) {
            rowState.clear(); // not admitted yet: trained through the cold row
        } else {
            rowState.update(UserStateCodec.encodeRow(row));
        }
        long firstAdded = Long.MAX_VALUE;
        List<PendingClick> added = new ArrayList<>(resident.addedSeqs.size());
        for (long seq : resident.addedSeqs) {
            PendingClick click = learner.pendingClick(seq);
            added.add(click);
            firstAdded = Math.min(firstAdded, click.eventTime());
        }
        if (!added.isEmpty() || !resident.removedSeqs.isEmpty()) {
            // What changed is appended: a user holds hundreds of clicks.
            byte[] clicks = UserStateCodec.append(clicksState.value(), added, resident.removedSeqs);
            if (UserStateCodec.liveClicks(clicks) == 0) {
                clicksState.clear();
            } else {
                clicksState.update(clicks);
            }
        }
        resident.addedSeqs.clear();
        resident.removedSeqs.clear();
        if (resident.clicksImported) {
            // Every held click of the user is in the learner, and now in keyed state. A timer
            // before their first expiry only imports them early, which changes nothing learned:
            // their clicks are scanned for it only when it has fired, there is none, or they hold
            // no click (then it goes); scanning every user's hundreds of clicks took a third of a
            // write-back.
            Long timer = resident.storedTimer;
            long target;
            if (timer == null
                    || timer <= clickTimers.currentWatermark()
                    || !learner.holdsPendingClicks(user)) {
                target = expiryOf(learner.firstPendingClickTime(user));
            } else {
                target = Math.min(timer, expiryOf(firstAdded));
            }
            resident.storedTimer = moveClickTimer(timer, target);
        } else if (firstAdded != Long.MAX_VALUE) {
            // The stored clicks' timer has not fired (that imports them): it stays unless these
            // newer clicks expire first.
            Long stored = clickTimerState.value();
            long first = expiryOf(firstAdded);
            moveClickTimer(stored, stored == null ? first : Math.min(stored, first));
        }
        userLedgerState.update(new long[] {resident.ledger.events(), resident.ledger.digest()});
    }

    /**
     * Moves the current key's held-click timer from {@code before} to {@code after} (null or {@link
     * Long#MAX_VALUE}: none), keeping its time in keyed state; returns the timer now set, or null.
     */
    private Long moveClickTimer(Long before, Long after) throws IOException {
        Long target = after == null || after == Long.MAX_VALUE ? null : after;
        if (java.util.Objects.equals(before, target)) {
            return target;
        }
        if (before != null) {
            clickTimers.deleteEventTimeTimer(VoidNamespace.INSTANCE, before);
        }
        if (target == null) {
            clickTimerState.clear();
        } else {
            clickTimers.registerEventTimeTimer(VoidNamespace.INSTANCE, target);
            clickTimerState.update(target);
        }
        return target;
    }

    /**
     * The first clock at which a click at {@code eventTime} has expired; {@link Long#MAX_VALUE} for
     * none ({@code eventTime} Long.MAX_VALUE) or never (overflow).
     */
    private long expiryOf(long eventTime) {
        long expiry = eventTime + conversionWindowMs + 1;
        return eventTime == Long.MAX_VALUE || expiry < eventTime ? Long.MAX_VALUE : expiry;
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
    private void flushScores(long now, boolean force) throws IOException {
        if (force || now - qualityAt >= QUALITY_REFRESH_MS) {
            quality = learner.metrics();
            qualityAt = now;
        }
        if (dirtyUsers.isEmpty()) {
            writeBackResidentsOverLimit();
            return;
        }
        long version = learner.version();
        earliestScoreDue = Long.MAX_VALUE;
        List<String> due = new ArrayList<>();
        List<int[]> excluded = new ArrayList<>();
        for (Iterator<String> it = dirtyUsers.iterator(); it.hasNext(); ) {
            String user = it.next();
            long dueAt = scoreDue(user);
            if (!force && dueAt > now) {
                earliestScoreDue = Math.min(earliestScoreDue, dueAt);
                continue;
            }
            it.remove();
            lastScored.put(user, now);
            Resident resident = resident(user);
            due.add(user);
            excluded.add(recent.enabled() ? excludedRows(user, resident) : NO_ROWS);
        }
        // Users scored together share each pass over the item table.
        List<List<ItemScore>> tops = learner.topKExcludingRows(due, settings.topK(), excluded);
        for (int u = 0; u < due.size(); u++) {
            String user = due.get(u);
            // Setters take primitives; the generated constructors box every float and long.
            List<ScoredItem> items = new ArrayList<>(tops.get(u).size());
            for (ItemScore s : tops.get(u)) {
                ScoredItem item = new ScoredItem();
                item.setItemId(s.itemId());
                item.setClick(s.click());
                item.setPurchase(s.purchase());
                item.setRating(s.rating());
                item.setScore(s.score());
                items.add(item);
            }
            long lastEventTime = learner.lastEventTime(user);
            UserScores scores = new UserScores();
            scores.setUserId(user);
            scores.setModelVersion(version);
            scores.setProducedAt(Instant.ofEpochMilli(now));
            scores.setLastEventTime(Instant.ofEpochMilli(lastEventTime));
            scores.setItems(items);
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
        writeBackResidentsOverLimit();
        // Users scored longer than an interval ago are free again: forget them.
        if (lastScored.size() > 4 * Math.max(1_024, dirtyUsers.size())) {
            lastScored.values().removeIf(t -> now - t >= settings.scoresFlushIntervalMs());
        }
    }

    /**
     * The learner's snapshot bytes with every user's row, in id order (so the same state always
     * gives the same bytes), and no held click: a resident's row as the learner holds it (what a
     * write-back would store), every other user's from keyed state. Nothing is written back, so a
     * published snapshot costs no write-back (that took 15 to 50 ms of each publication).
     */
    private byte[] snapshotBytesWithAllUsers() {
        List<UserRowState> rows = new ArrayList<>();
        try {
            this.<String>getKeyedStateBackend()
                    .applyToAllKeys(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            rowDescriptor,
                            (String user, ValueState<byte[]> state) -> {
                                if (residents.containsKey(user)) {
                                    return; // below, from the learner
                                }
                                byte[] row = state.value();
                                if (row != null) {
                                    rows.add(UserStateCodec.decodeRow(user, row));
                                }
                            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the users' keyed state", e);
        }
        for (String user : residents.keySet()) {
            UserRowState row = learner.exportUser(user);
            if (row != null) {
                rows.add(row); // null: not admitted yet, as a write-back would clear it
            }
        }
        rows.sort(Comparator.comparing(UserRowState::userId));
        usersInStateGauge = rows.size();
        return learner.toSnapshotBytes(rows);
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
        long start = System.nanoTime();
        byte[] bytes = snapshotBytesWithAllUsers();
        for (ModelSnapshotChunk chunk :
                SnapshotChunks.split(snapshotModelId(), version, now, bytes, MAX_CHUNK_BYTES)) {
            String key = chunk.getModelId() + "/" + chunk.getVersion() + "/" + chunk.getPart();
            output.collect(
                    SNAPSHOTS,
                    new StreamRecord<>(
                            new OutboundRecord(
                                    key.getBytes(StandardCharsets.UTF_8),
                                    snapshotSerde.serialize(chunk))));
        }
        publishMillis.update((System.nanoTime() - start) / 1_000_000);
        gate.published(figures);
        lastPublishedVersion = version;
        snapshotsPublished.inc();
    }
}
