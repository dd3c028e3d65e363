package io.mtrec.flink;

import io.mtrec.flink.cli.Args;
import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.config.Setting;
import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.flink.sources.DecodeFunction;
import io.mtrec.flink.sources.ItemProfileDecodeFunction;
import io.mtrec.flink.sources.RawRecord;
import io.mtrec.flink.train.MiniBatchTrainerOperator;
import io.mtrec.flink.train.TrainerControl;
import io.mtrec.flink.train.TrainerSettings;
import io.mtrec.model.Interaction;
import io.mtrec.model.events.EventMapper;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Preconditions;

import java.util.ArrayList;
import java.util.List;

/**
 * The training job: event topics (event-time watermarks per partition, in the source) → decode (bad
 * records → dead letters) → keyBy(userId) → mini-batch trainer → scores and snapshots; item
 * profiles (when the model uses text embeddings) → decode → broadcast to every trainer subtask.
 *
 * <p>Run on a cluster with {@code flink run mtrec-flink-jobs-*.jar --bootstrap-servers HOST:PORT
 * [--config job.yaml] [--setting value ...]}.
 */
public final class TrainingJob {
    private TrainingJob() {}

    /** Param-sync records as broadcast control records; a record without a value is skipped. */
    private static final class ParamSyncChunks
            implements org.apache.flink.api.common.functions.FlatMapFunction<
                    RawRecord, TrainerControl> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(RawRecord raw, org.apache.flink.util.Collector<TrainerControl> out) {
            if (raw.value != null) {
                out.collect(TrainerControl.paramSyncChunk(raw.value));
            }
        }
    }

    public static void main(String[] argv) throws Exception {
        JobConfig config = Args.parse(argv).jobConfig();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config, new KafkaJobIO(config));
        env.execute("mtrec-training");
    }

    /**
     * Adds the training topology to {@code env}.
     *
     * @throws IllegalStateException when the settings ask for a topology this version cannot run
     */
    public static void build(StreamExecutionEnvironment env, JobConfig config, JobIO io) {
        int trainers = config.get(JobConfig.TRAINER_PARALLELISM);
        Preconditions.checkState(
                trainers == 1 || !config.get(JobConfig.BOUNDED),
                "trainer.parallelism is %s and bounded is true, but parallel trainers read each"
                        + " other's deltas from the unbounded param-sync topic, so the run would"
                        + " never end. Backfill with trainer.parallelism 1, or run unbounded.",
                trainers);
        long checkpointInterval = config.get(JobConfig.CHECKPOINT_INTERVAL_MS);
        for (Setting<DeliveryGuarantee> sink :
                List.of(
                        JobConfig.DELIVERY,
                        JobConfig.SNAPSHOT_DELIVERY,
                        JobConfig.PARAM_SYNC_DELIVERY)) {
            Preconditions.checkState(
                    checkpointInterval > 0 || config.get(sink) != DeliveryGuarantee.EXACTLY_ONCE,
                    "%s is exactly-once, which commits Kafka transactions on checkpoints, but"
                            + " checkpoint.interval.ms is 0. Enable checkpoints or set %s to"
                            + " at-least-once.",
                    sink.name(),
                    sink.name());
        }
        if (checkpointInterval > 0) {
            env.enableCheckpointing(checkpointInterval, CheckpointingMode.EXACTLY_ONCE);
        }
        env.setBufferTimeout(config.get(JobConfig.BUFFER_TIMEOUT_MS));

        EventMapper mapper =
                new EventMapper(
                        (float) config.model().ratingMin(), (float) config.model().ratingMax());
        SingleOutputStreamOperator<Interaction> decoded =
                io.events(env)
                        .process(new DecodeFunction(config.topics(), mapper))
                        .setParallelism(config.get(JobConfig.SOURCE_PARALLELISM))
                        .name("decode")
                        .uid("decode");
        List<DataStream<TrainerControl>> controls = new ArrayList<>();
        DataStream<OutboundRecord> deadLetters = decoded.getSideOutput(DecodeFunction.DEAD_LETTERS);
        int itemTextDim = config.model().itemTextDim();
        if (itemTextDim > 0) {
            SingleOutputStreamOperator<TrainerControl> profiles =
                    io.items(env)
                            .process(new ItemProfileDecodeFunction(itemTextDim))
                            .setParallelism(1)
                            .name("decode-items")
                            .uid("decode-items");
            controls.add(profiles);
            deadLetters = deadLetters.union(profiles.getSideOutput(DecodeFunction.DEAD_LETTERS));
        }
        if (trainers > 1) {
            controls.add(
                    io.paramSync(env)
                            .flatMap(new ParamSyncChunks())
                            .setParallelism(1)
                            .name("param-sync-chunks")
                            .uid("param-sync-chunks"));
        }
        DataStream<TrainerControl> control;
        if (controls.isEmpty()) {
            // Nothing to broadcast: the trainer's broadcast input is a stream that ends empty.
            control =
                    env.fromSequence(0, 0)
                            .name("no-item-profiles")
                            .uid("no-item-profiles")
                            .filter(n -> false)
                            .name("no-item-profiles-filter")
                            .uid("no-item-profiles-filter")
                            .map(n -> new TrainerControl())
                            .returns(TrainerControl.class)
                            .name("no-item-profiles-map")
                            .uid("no-item-profiles-map");
        } else {
            control = controls.get(0);
            for (DataStream<TrainerControl> more : controls.subList(1, controls.size())) {
                control = control.union(more);
            }
        }
        deadLetters
                .sinkTo(io.deadLetters())
                .setParallelism(config.get(JobConfig.SOURCE_PARALLELISM))
                .name("dead-letters")
                .uid("dead-letters-sink");

        SingleOutputStreamOperator<OutboundRecord> scores =
                decoded.keyBy(Interaction::userId)
                        .connect(control.broadcast())
                        .transform(
                                "mini-batch-trainer",
                                TypeInformation.of(OutboundRecord.class),
                                new MiniBatchTrainerOperator(TrainerSettings.from(config)))
                        .setParallelism(trainers)
                        .uid("mini-batch-trainer");
        scores.sinkTo(io.scores()).setParallelism(trainers).name("scores").uid("scores-sink");
        if (trainers > 1) {
            scores.getSideOutput(MiniBatchTrainerOperator.PARAM_DELTAS)
                    .sinkTo(io.paramSyncSink())
                    .setParallelism(trainers)
                    .name("param-sync")
                    .uid("param-sync-sink");
        }
        // Not chained to the trainer: the exactly-once writer flushes and opens a Kafka
        // transaction at every checkpoint and its committer commits one after, which on the
        // trainer's thread held back every event arriving meanwhile (the bench's checkpoint
        // latency spikes); a few records every snapshot interval cross the network instead.
        scores.getSideOutput(MiniBatchTrainerOperator.SNAPSHOTS)
                .sinkTo(io.snapshots())
                .setParallelism(trainers)
                .name("snapshots")
                .uid("snapshots-sink")
                .disableChaining();
    }
}
