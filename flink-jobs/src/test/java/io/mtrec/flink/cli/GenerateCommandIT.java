package io.mtrec.flink.cli;

import io.mtrec.flink.kafka.EmbeddedKafka;
import io.mtrec.flink.kafka.TopicSpec;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.serde.AvroSerde;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./mtrec generate} writes decodable planted-truth events to a real broker. */
class GenerateCommandIT {

    @Test
    void generatesTheRequestedNumberOfDecodableEvents() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            List<TopicSpec> specs = new ArrayList<>();
            for (TopicKind kind : TopicKind.values()) {
                specs.add(new TopicSpec(kind.defaultName(), 1, kind.compacted()));
            }
            kafka.createTopics(specs);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit =
                    Main.run(
                            new String[] {
                                "generate",
                                "--bootstrap-servers",
                                kafka.bootstrapServers(),
                                "--rate",
                                "5000",
                                "--events",
                                "2000"
                            },
                            new PrintStream(out, true, StandardCharsets.UTF_8),
                            System.err);
            assertThat(exit).isZero();

            List<ClickEvent> clicks = new ArrayList<>();
            try (TopicFollower<ClickEvent> follower =
                    TopicFollower.of(
                            kafka.bootstrapServers(),
                            TopicKind.CLICKS.defaultName(),
                            AvroSerde.of(ClickEvent.class),
                            false,
                            clicks::add)) {
                follower.assignFromBeginning();
                follower.drain();
                assertThat(follower.undecodable()).isZero();
            }
            long purchasesAndRatings = 2000 - clicks.size();
            assertThat(clicks).hasSizeGreaterThan(1500);
            assertThat(purchasesAndRatings).isPositive();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("2,000 events sent");
        }
    }
}
