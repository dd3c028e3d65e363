package io.mtrec.model.tasks;

import io.mtrec.model.tasks.PendingClicks.PendingClick;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PendingClicksTest {

    @Test
    void purchaseClaimsTheOldestClickOfItsUserAndItem() {
        PendingClicks pending = new PendingClicks();
        pending.add("u", "i", 10L);
        pending.add("u", "i", 20L);
        pending.add("u", "j", 15L);
        assertThat(pending.claim("u", "i")).isTrue();
        assertThat(pending.claim("v", "i")).isFalse();
        assertThat(pending.size()).isEqualTo(2);
        assertThat(pending.entries()).extracting(PendingClick::eventTime).containsExactly(20L, 15L);
    }

    @Test
    void clicksExpireOnlyWhenStrictlyOlderThanTheWindowInTimeOrder() {
        PendingClicks pending = new PendingClicks();
        pending.add("u", "late", 300L);
        pending.add("u", "early", 100L);
        pending.add("v", "tie", 100L);
        assertThat(pending.expire(200L, 100L)).isEmpty();
        List<PendingClick> expired = pending.expire(201L, 100L);
        assertThat(expired).extracting(PendingClick::itemId).containsExactly("early", "tie");
        assertThat(pending.size()).isEqualTo(1);
        assertThat(pending.claim("u", "early")).isFalse();
    }

    @Test
    void claimedClicksNeverExpire() {
        PendingClicks pending = new PendingClicks();
        pending.add("u", "i", 0L);
        pending.claim("u", "i");
        assertThat(pending.expire(Long.MAX_VALUE, 10L)).isEmpty();
        assertThat(pending.size()).isZero();
    }

    @Test
    void restoredBufferExpiresAndClaimsLikeTheOriginal() {
        PendingClicks original = new PendingClicks();
        original.add("a", "x", 50L);
        original.add("b", "y", 40L);
        original.add("a", "x", 60L);
        original.claim("b", "y");
        PendingClicks restored = PendingClicks.restore(original.nextSeq(), original.entries());
        assertThat(restored.entries()).isEqualTo(original.entries());
        assertThat(restored.nextSeq()).isEqualTo(3L);
        original.add("c", "z", 10L);
        restored.add("c", "z", 10L);
        assertThat(restored.expire(1_000L, 100L)).isEqualTo(original.expire(1_000L, 100L));
    }

    @Test
    void replacingAUsersClicksKeepsOtherUsersAndRenumbersInGivenOrder() {
        PendingClicks pending = new PendingClicks();
        pending.add("u", "i", 10L);
        pending.add("v", "i", 11L);
        pending.add("u", "j", 12L);
        List<PendingClick> incoming =
                List.of(
                        new PendingClick(40, "u", "k", 30L, 0.25f),
                        new PendingClick(7, "u", "i", 5L));
        pending.replaceUser("u", incoming);

        assertThat(pending.size()).isEqualTo(3);
        assertThat(pending.entriesOf("v")).extracting(PendingClick::seq).containsExactly(1L);
        assertThat(pending.entriesOf("u"))
                .containsExactly(
                        new PendingClick(3, "u", "k", 30L, 0.25f),
                        new PendingClick(4, "u", "i", 5L));
        assertThat(pending.expire(60L, 50L)).extracting(PendingClick::itemId).containsExactly("i");
        assertThat(pending.claim("u", "j")).isFalse();
        assertThat(pending.entriesOf("nobody")).isEmpty();
    }

    @Test
    void aUsersEarliestHeldClickTimeLooksAtThatUserOnlyAndFollowsClaims() {
        PendingClicks pending = new PendingClicks();
        pending.add("u", "late", 30L);
        pending.add("v", "i", 5L);
        pending.add("u", "early", 12L);
        pending.add("u", "late", 20L);

        assertThat(pending.firstEventTime("u")).isEqualTo(12L);
        assertThat(pending.claim("u", "early")).isTrue();
        assertThat(pending.firstEventTime("u")).isEqualTo(20L);
        assertThat(pending.holds("u")).isTrue();
        pending.removeUser("u");
        assertThat(pending.holds("u")).isFalse();
        assertThat(pending.firstEventTime("u")).isEqualTo(Long.MAX_VALUE);
        assertThat(pending.firstEventTime("v")).isEqualTo(5L);
    }

    @Test
    void clicksThatLeaveAndComeBackExpireAndAreClaimedAsIfTheyHadStayed() {
        PendingClicks stayed = new PendingClicks();
        PendingClicks left = new PendingClicks();
        for (PendingClicks pending : List.of(stayed, left)) {
            pending.add("u", "i", 100L);
            pending.add("v", "i", 100L);
            pending.add("u", "i", 100L);
            pending.add("u", "j", 90L);
        }
        List<PendingClick> out = left.entriesOf("u");
        left.restoreUser("u", List.of()); // u's clicks leave; v's stay
        left.restoreUser("u", out);
        stayed.add("w", "k", 95L);
        left.add("w", "k", 95L);

        assertThat(left.nextSeq()).isEqualTo(stayed.nextSeq()).isEqualTo(5L);
        assertThat(left.claim("u", "i")).isTrue();
        assertThat(stayed.claim("u", "i")).isTrue();
        List<PendingClick> expired = left.expire(1_000L, 10L);
        assertThat(expired).isEqualTo(stayed.expire(1_000L, 10L));
        assertThat(expired)
                .extracting(c -> c.userId() + "/" + c.itemId() + "#" + c.seq())
                .containsExactly("u/j#3", "w/k#4", "v/i#1", "u/i#2");
    }

    @Test
    void restoringClicksWithSequenceNumbersThisBufferNeverGaveIsRejected() {
        PendingClicks pending = new PendingClicks();
        pending.add("u", "i", 1L);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                pending.restoreUser(
                                        "u",
                                        List.of(
                                                new PendingClick(0, "u", "i", 1L),
                                                new PendingClick(1, "u", "j", 2L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "restored pending clicks of user 'u' must have increasing sequence"
                                + " numbers in [0, 1), found 1 after 0");
        assertThat(pending.entriesOf("u")).extracting(PendingClick::seq).containsExactly(0L);
    }

    @Test
    void replacingWithAnotherUsersClickIsRejected() {
        PendingClicks pending = new PendingClicks();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> pending.replaceUser("u", List.of(new PendingClick(0, "x", "i", 1L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pending click of user 'x' cannot be imported for user 'u'");
    }
}
