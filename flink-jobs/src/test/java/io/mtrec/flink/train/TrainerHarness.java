package io.mtrec.flink.train;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.model.Interaction;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * A keyed test harness around the trainer, as the job wires it: events keyed by user on input 1,
 * broadcast control records (item profiles) on input 2.
 */
final class TrainerHarness
        extends KeyedTwoInputStreamOperatorTestHarness<
                String, Interaction, TrainerControl, OutboundRecord> {
    private static final KeySelector<Interaction, String> BY_USER = Interaction::userId;

    TrainerHarness(TrainerSettings settings) throws Exception {
        super(new MiniBatchTrainerOperator(settings), BY_USER, null, Types.STRING);
    }

    /** Trainer {@code subtask} of {@code trainers}. */
    TrainerHarness(TrainerSettings settings, int trainers, int subtask) throws Exception {
        super(
                new MiniBatchTrainerOperator(settings),
                BY_USER,
                null,
                Types.STRING,
                128,
                trainers,
                subtask);
    }

    MiniBatchTrainerOperator trainer() {
        return (MiniBatchTrainerOperator) getOperator();
    }

    /** An event, stamped with its event time. */
    void processElement(Interaction event, long timestamp) throws Exception {
        processElement1(event, timestamp);
    }

    /** A watermark of the event input. */
    void processWatermark(long time) throws Exception {
        processWatermark1(new Watermark(time));
    }

    /** The end of both inputs, as at the end of a bounded run. */
    void endInput() throws Exception {
        endInput2();
        endInput1();
    }
}
