package io.mtrec.flink.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) throws Exception {
        return Main.run(
                argv,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void settingsListJobAndModelSettingsWithDefaults() throws Exception {
        assertThat(run("settings")).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text)
                .contains("bootstrap.servers")
                .contains("batch.size")
                .containsPattern("model\\.embedding\\.dim\\s+default 32 ")
                .contains("model.conversion.window.ms");
    }

    @Test
    void unknownCommandExitsWithUsage() throws Exception {
        assertThat(run("train-forever")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("unknown command 'train-forever'")
                .contains("usage: ./mtrec");
    }

    @Test
    void demoWithABadSettingFailsBeforeStartingAnything() throws Exception {
        assertThat(run("demo", "--batch-size", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "mtrec demo: setting 'batch.size' must be an integer in [1, 65536], got"
                                + " '0'"
                                + System.lineSeparator());
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("starting a Kafka broker");
    }

    @Test
    void demoWithABadModelParameterFailsNamingIt() throws Exception {
        assertThat(run("demo", "--model-embedding-dim", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("embedding.dim");
    }

    @Test
    void evalWithoutADataSourceIsRejected() throws Exception {
        assertThat(run("eval")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("eval needs a data source; only --synthetic exists so far");
    }

    @Test
    void evalSimulatesReplicasExchangingDeltas() throws Exception {
        assertThat(
                        run(
                                "eval",
                                "--synthetic",
                                "--events",
                                "6000",
                                "--last-events",
                                "2000",
                                "--batch-size",
                                "256",
                                "--replicas",
                                "2",
                                "--sync-every",
                                "2"))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains(
                        "2 replicas, deltas exchanged every 2 batches per replica (sync.merge=sum)")
                .contains("\"replicas\" : 2")
                .containsPattern("\"sync_rounds\" : [1-9]")
                .contains("\"click_auc\"");
    }
}
