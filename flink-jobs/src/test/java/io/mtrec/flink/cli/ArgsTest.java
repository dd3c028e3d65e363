package io.mtrec.flink.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArgsTest {

    @Test
    void optionsBecomeDottedSettings() {
        Args args = Args.parse(new String[] {"--bootstrap-servers", "h:1", "--batch-size=64"});
        assertThat(args.remaining())
                .containsEntry("bootstrap.servers", "h:1")
                .containsEntry("batch.size", "64");
    }

    @Test
    void flagWithoutValueMeansTrue() {
        Args args = Args.parse(new String[] {"--bounded", "--rate", "5"});
        assertThat(args.take("bounded", "false")).isEqualTo("true");
        assertThat(args.takeInt("rate", 0)).isEqualTo(5);
    }

    @Test
    void durationsAcceptSecondsMinutesAndMillis() {
        Args args =
                Args.parse(new String[] {"--a", "60s", "--b", "2m", "--c", "250ms", "--d", "7"});
        assertThat(args.takeDuration("a", null)).isEqualTo(Duration.ofSeconds(60));
        assertThat(args.takeDuration("b", null)).isEqualTo(Duration.ofMinutes(2));
        assertThat(args.takeDuration("c", null)).isEqualTo(Duration.ofMillis(250));
        assertThat(args.takeDuration("d", null)).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void badDurationNamesTheFlag() {
        Args args = Args.parse(new String[] {"--duration", "soon"});
        assertThatThrownBy(() -> args.takeDuration("duration", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--duration must be a duration such as 60s, 2m or 500ms, got 'soon'");
    }

    @Test
    void takenOptionsAreNotPassedToTheJob() {
        Args args = Args.parse(new String[] {"--duration", "5s", "--bootstrap-servers", "h:1"});
        args.takeDuration("duration", null);
        assertThat(args.jobConfig().values()).doesNotContainKey("duration");
    }
}
