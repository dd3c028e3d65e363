package io.mtrec.flink;

import io.mtrec.flink.cli.Args;
import io.mtrec.flink.config.JobConfig;
import io.mtrec.flink.config.Setting;
import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.flink.sources.DecodeFunction;
import io.mtrec.flink.sources.ItemProfileDecodeFunction;
import io.mtrec.flink.train.MiniBatchTrainerOperator;
import io.mtrec.flink.train.TrainerControl;
import io.mtrec.flink.train.TrainerSettings;
import io.mtrec.model.Interaction;
import io.mtrec.model.events.EventMapper;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Preconditions;

import java.time.Duration;
import java.util.List;

/**
 * The training job: event topics → decode (bad records → dead letters) → event-time watermarks →
 * keyBy(userId) → mini-batch trainer → scores and snapshots; item profiles (when the model uses
 * text embeddings) → decode → broadcast to every trainer subtask.
 *
 * <p>Run on a cluster with {@code flink run mtrec-flink-jobs-*.jar --bootstrap-servers HOST:PORT
 * [--config job.yaml] [--setting value ...]}.
 */
public final class TrainingJob {
    private TrainingJob() {}

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
                trainers == 1,
                "trainer.parallelism is %s, but this version trains one model replica in a single"
                        + " subtask; parallel trainers need parameter sync through"
                        + " mtrec.param-sync, which is not built yet. Set trainer.parallelism to 1.",
                trainers);
        long checkpointInterval = config.get(JobConfig.CHECKPOINT_INTERVAL_MS);
        for (Setting<DeliveryGuarantee> sink :
                List.of(JobConfig.DELIVERY, JobConfig.SNAPSHOT_DELIVERY)) {
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

        EventMapper mapper =
                new EventMapper(
                        (float) config.model().ratingMin(), (float) config.model().ratingMax());
        SingleOutputStreamOperator<Interaction> decoded =
                io.events(env)
                        .process(new DecodeFunction(config.topics(), mapper))
                        .setParallelism(config.get(JobConfig.SOURCE_PARALLELISM))
                        .name("decode")
                        .uid("decode");
        DataStream<TrainerControl> control;
        DataStream<OutboundRecord> deadLetters = decoded.getSideOutput(DecodeFunction.DEAD_LETTERS);
        int itemTextDim = config.model().itemTextDim();
        if (itemTextDim > 0) {
            SingleOutputStreamOperator<TrainerControl> profiles =
                    io.items(env)
                            .process(new ItemProfileDecodeFunction(itemTextDim))
                            .setParallelism(1)
                            .name("decode-items")
                            .uid("decode-items");
            control = profiles;
            deadLetters = deadLetters.union(profiles.getSideOutput(DecodeFunction.DEAD_LETTERS));
        } else {
            // No profiles to read: the trainer's broadcast input is a stream that ends empty.
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
        }
        deadLetters
                .sinkTo(io.deadLetters())
                .setParallelism(config.get(JobConfig.SOURCE_PARALLELISM))
                .name("dead-letters")
                .uid("dead-letters-sink");

        Duration lateness = Duration.ofMillis(config.get(JobConfig.WATERMARK_OUT_OF_ORDERNESS_MS));
        DataStream<Interaction> timed =
                decoded.assignTimestampsAndWatermarks(
                                WatermarkStrategy.<Interaction>forBoundedOutOfOrderness(lateness)
                                        .withTimestampAssigner((e, ts) -> e.eventTime())
                                        .withIdleness(Duration.ofSeconds(30)))
                        .setParallelism(config.get(JobConfig.SOURCE_PARALLELISM))
                        .name("watermarks")
                        .uid("watermarks");

        SingleOutputStreamOperator<OutboundRecord> scores =
                timed.keyBy(Interaction::userId)
                        .connect(control.broadcast())
                        .transform(
                                "mini-batch-trainer",
                                TypeInformation.of(OutboundRecord.class),
                                new MiniBatchTrainerOperator(TrainerSettings.from(config)))
                        .setParallelism(trainers)
                        .uid("mini-batch-trainer");
        scores.sinkTo(io.scores()).setParallelism(trainers).name("scores").uid("scores-sink");
        scores.getSideOutput(MiniBatchTrainerOperator.SNAPSHOTS)
                .sinkTo(io.snapshots())
                .setParallelism(trainers)
                .name("snapshots")
                .uid("snapshots-sink");
    }
}
