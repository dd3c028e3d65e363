package io.mtrec.flink.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchCommandTest {

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(BenchCommand.percentile(sorted, 0.50)).isEqualTo(5.0);
        assertThat(BenchCommand.percentile(sorted, 0.99)).isEqualTo(10.0);
        assertThat(BenchCommand.percentile(new long[] {42}, 0.99)).isEqualTo(42.0);
        assertThat(BenchCommand.percentile(new long[0], 0.5)).isNaN();
    }

    @Test
    void warmUpLongerThanTheRunIsRejectedBeforeAnythingStarts() {
        assertThatThrownBy(
                        () ->
                                new BenchCommand(System.out)
                                        .run(
                                                Args.parse(
                                                        new String[] {
                                                            "--duration", "5s", "--warmup", "10s"
                                                        })))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--warmup (10s) must be shorter than --duration (5s)");
    }
}
