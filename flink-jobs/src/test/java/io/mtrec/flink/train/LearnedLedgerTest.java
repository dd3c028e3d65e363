package io.mtrec.flink.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LearnedLedgerTest {

    @Test
    void sameEventsInAnyOrderGiveEqualLedgers() {
        LearnedLedger forward = LearnedLedger.of(List.of("a", "b", "c"));
        LearnedLedger backward = LearnedLedger.of(List.of("c", "b", "a"));

        assertThat(forward).isEqualTo(backward);
        assertThat(forward.events()).isEqualTo(3);
    }

    @Test
    void aRepeatedEventChangesCountAndDigest() {
        LearnedLedger once = LearnedLedger.of(List.of("a", "b"));
        LearnedLedger twice = LearnedLedger.of(List.of("a", "b", "b"));

        assertThat(twice.events()).isEqualTo(once.events() + 1);
        assertThat(twice.digest()).isNotEqualTo(once.digest());
    }

    @Test
    void aLostEventIsNotHiddenByAnotherOne() {
        assertThat(LearnedLedger.of(List.of("a", "b")).digest())
                .isNotEqualTo(LearnedLedger.of(List.of("a", "c")).digest());
    }

    @Test
    void ledgersAddUp() {
        LearnedLedger whole = LearnedLedger.of(List.of("a", "b", "c"));

        assertThat(LearnedLedger.of(List.of("a")).plus(LearnedLedger.of(List.of("b", "c"))))
                .isEqualTo(whole);
    }
}
