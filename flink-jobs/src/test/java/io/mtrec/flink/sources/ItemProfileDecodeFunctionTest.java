package io.mtrec.flink.sources;

import io.mtrec.flink.sinks.OutboundRecord;
import io.mtrec.flink.train.TrainerControl;
import io.mtrec.schemas.DeadLetter;
import io.mtrec.schemas.ItemProfile;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

class ItemProfileDecodeFunctionTest {
    private static final AvroSerde<ItemProfile> PROFILES = AvroSerde.of(ItemProfile.class);
    private static final AvroSerde<DeadLetter> LETTERS = AvroSerde.of(DeadLetter.class);

    private static RawRecord raw(long offset, byte[] value) {
        return new RawRecord(
                "mtrec.items", 0, offset, 0L, "k".getBytes(StandardCharsets.UTF_8), value);
    }

    private static byte[] profile(String item, List<Float> text) {
        return PROFILES.serialize(new ItemProfile(item, null, text, Instant.EPOCH));
    }

    private static List<DeadLetter> deadLetters(
            OneInputStreamOperatorTestHarness<RawRecord, TrainerControl> h) throws Exception {
        List<DeadLetter> letters = new ArrayList<>();
        if (h.getSideOutput(DecodeFunction.DEAD_LETTERS) == null) {
            return letters;
        }
        for (StreamRecord<OutboundRecord> r : h.getSideOutput(DecodeFunction.DEAD_LETTERS)) {
            letters.add(LETTERS.deserialize(r.getValue().value));
        }
        return letters;
    }

    @Test
    void aProfileWithATextEmbeddingOfTheModelsLengthBecomesAControlRecord() throws Exception {
        try (var h =
                ProcessFunctionTestHarnesses.forProcessFunction(new ItemProfileDecodeFunction(2))) {
            h.processElement(raw(0, profile("lamp", List.of(0.5f, -1f))), 0);

            assertThat(h.extractOutputValues())
                    .containsExactly(TrainerControl.itemProfile("lamp", new float[] {0.5f, -1f}));
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void aProfileThatDoesNotFitTheModelIsADeadLetterWithTheReason() throws Exception {
        try (var h =
                ProcessFunctionTestHarnesses.forProcessFunction(new ItemProfileDecodeFunction(2))) {
            h.processElement(raw(7, profile("lamp", List.of(0.5f, -1f, 3f))), 0);
            h.processElement(raw(8, profile("mug", null)), 0);

            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(deadLetters(h))
                    .extracting(DeadLetter::getOffset, DeadLetter::getError)
                    .containsExactly(
                            tuple(
                                    7L,
                                    "INVALID: profile of item lamp: text embedding has 3 values,"
                                            + " item.text.dim is 2"),
                            tuple(
                                    8L,
                                    "INVALID: profile of item mug: text embedding missing;"
                                            + " item.text.dim is 2"));
        }
    }

    @Test
    void anUndecodableRecordIsADeadLetterKeepingItsPayload() throws Exception {
        try (var h =
                ProcessFunctionTestHarnesses.forProcessFunction(new ItemProfileDecodeFunction(2))) {
            h.processElement(raw(3, "garbage".getBytes(StandardCharsets.UTF_8)), 0);

            DeadLetter letter = deadLetters(h).get(0);
            assertThat(letter.getError()).startsWith("NOT_SINGLE_OBJECT");
            assertThat(letter.getSourceTopic()).isEqualTo("mtrec.items");
            assertThat(StandardCharsets.UTF_8.decode(letter.getPayload()).toString())
                    .isEqualTo("garbage");
        }
    }
}
