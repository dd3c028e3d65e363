package io.mtrec.model;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.mtrec.model.Interaction.click;
import static io.mtrec.model.Interaction.impression;
import static io.mtrec.model.Interaction.rating;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Row eviction by TTL, frequency admission, item profiles, and per-user state as plain values. */
class EmbeddingLifecycleTest {
    private static final long TTL = 80_000L;

    private static ModelConfig small() {
        return ModelConfig.builder()
                .embeddingDim(8)
                .bottomHidden(16)
                .metricsWindow(1_000)
                .conversionWindowMs(1_000)
                .build();
    }

    @Test
    void rowsUnseenForTheTtlAreEvictedAtTheNextSweepAndOthersStay() {
        MultiTaskLearner learner =
                new MultiTaskLearner(small().toBuilder().embeddingTtlMs(TTL).build());
        learner.learn(List.of(impression("e1", "old", "old-item", 1_000)));
        learner.learn(List.of(impression("e2", "kept", "kept-item", 50_000)));
        learner.learn(List.of(impression("e3", "kept", "kept-item", 85_000)));
        assertThat(learner.userCount()).isEqualTo(2);

        // The clock is 85,000 when this batch starts: "old" was last seen 84,000 ms ago (> TTL).
        learner.learn(List.of(impression("e4", "kept", "kept-item", 95_000)));

        assertThat(learner.userCount()).isEqualTo(1);
        assertThat(learner.itemCount()).isEqualTo(1);
        assertThat(learner.lastEventTime("old")).isEqualTo(Long.MIN_VALUE);
        assertThat(learner.lastEventTime("kept")).isEqualTo(95_000);
        assertThat(learner.exportUser("old")).isNull();
        assertThat(learner.topK("kept", 5))
                .extracting(ItemScore::itemId)
                .containsExactly("kept-item");
    }

    @Test
    void anEvictedUserComesBackAsANewRow() {
        MultiTaskLearner learner =
                new MultiTaskLearner(small().toBuilder().embeddingTtlMs(TTL).build());
        learner.learn(List.of(impression("e1", "back", "a", 1_000)));
        learner.learn(List.of(impression("e2", "other", "b", 200_000)));
        learner.learn(List.of(impression("e3", "other", "b", 210_000)));
        assertThat(learner.exportUser("back")).isNull();
        assertThat(learner.userCount()).isEqualTo(1);

        learner.learn(List.of(impression("e4", "back", "b", 220_000)));
        assertThat(learner.exportUser("back").lastSeen()).isEqualTo(220_000);
        assertThat(learner.userCount()).isEqualTo(2);
    }

    @Test
    void ttlZeroKeepsEveryRow() {
        MultiTaskLearner learner = new MultiTaskLearner(small());
        learner.learn(List.of(impression("e1", "a", "x", 1_000)));
        learner.learn(List.of(impression("e2", "b", "y", 10_000_000_000L)));
        learner.learn(List.of(impression("e3", "b", "y", 20_000_000_000L)));
        assertThat(learner.userCount()).isEqualTo(2);
        assertThat(learner.itemCount()).isEqualTo(2);
    }

    @Test
    void evictionAdmissionAndTextAreDeterministicAndARestoredLearnerContinuesBitIdentically() {
        ModelConfig config =
                small().toBuilder()
                        .embeddingTtlMs(20_000)
                        .admissionMinCount(2)
                        .itemTextDim(2)
                        .build();
        List<List<Interaction>> batches = stream(40, 16, 24);
        MultiTaskLearner first = new MultiTaskLearner(config);
        MultiTaskLearner second = new MultiTaskLearner(config);
        for (int i = 0; i < 5; i++) {
            first.updateItemProfile("i" + i, new float[] {i - 2f, 1f});
            second.updateItemProfile("i" + i, new float[] {i - 2f, 1f});
        }
        for (int b = 0; b < 12; b++) {
            first.learn(batches.get(b));
            second.learn(batches.get(b));
        }
        MultiTaskLearner restored = MultiTaskLearner.fromSnapshotBytes(second.toSnapshotBytes());
        for (int b = 12; b < batches.size(); b++) {
            first.learn(batches.get(b));
            restored.learn(batches.get(b));
        }
        assertThat(restored.toSnapshotBytes()).isEqualTo(first.toSnapshotBytes());
        // Each user comes back about every 40 s, the TTL is 20 s: some rows were evicted.
        assertThat(first.userCount()).isLessThan(40);
    }

    @Test
    void notYetAdmittedUsersAndItemsShareTheColdRows() {
        MultiTaskLearner learner =
                new MultiTaskLearner(small().toBuilder().admissionMinCount(3).build());
        learner.learn(List.of(impression("e1", "u", "i", 1_000)));
        learner.learn(List.of(impression("e2", "u", "i", 2_000)));
        assertThat(learner.userCount()).isZero();
        assertThat(learner.itemCount()).isZero();
        assertThat(learner.trackedSightings()).isEqualTo(2);
        assertThat(learner.exportUser("u")).isNull();
        // u and a never-seen user both score with the trained cold user row.
        assertThat(learner.score("u", "i")).isEqualTo(learner.score("never-seen", "i"));
        assertThat(learner.score("u", "i").score())
                .isEqualTo(learner.score("u", "never-seen-item").score());
        assertThat(learner.topK("u", 5)).isEmpty();

        learner.learn(List.of(impression("e3", "u", "i", 3_000)));
        assertThat(learner.userCount()).isEqualTo(1);
        assertThat(learner.itemCount()).isEqualTo(1);
        assertThat(learner.trackedSightings()).isZero();
        assertThat(learner.topK("u", 5)).extracting(ItemScore::itemId).containsExactly("i");
    }

    @Test
    void admissionOfOneIsTheOldBehaviourEveryIdGetsItsRowAtFirstSight() {
        MultiTaskLearner learner = new MultiTaskLearner(small());
        learner.learn(List.of(impression("e1", "u", "i", 1_000)));
        assertThat(learner.userCount()).isEqualTo(1);
        assertThat(learner.itemCount()).isEqualTo(1);
        assertThat(learner.trackedSightings()).isZero();
    }

    @Test
    void profileWithWrongLengthMissingOrNonFiniteTextIsRejectedWithAReason() {
        MultiTaskLearner learner = new MultiTaskLearner(small().toBuilder().itemTextDim(3).build());
        assertThat(learner.profileRejectReason("i", new float[] {1, 2, 3})).isNull();
        assertThat(learner.profileRejectReason("i", new float[] {1, 2}))
                .isEqualTo("text embedding has 2 values, item.text.dim is 3");
        assertThat(learner.profileRejectReason("i", null))
                .isEqualTo("text embedding missing; item.text.dim is 3");
        assertThat(learner.profileRejectReason("i", new float[] {1, Float.NaN, 3}))
                .isEqualTo("text embedding value 1 is not finite: NaN");
        assertThatThrownBy(() -> learner.updateItemProfile("i", new float[4]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "profile of item i rejected: text embedding has 4 values, item.text.dim"
                                + " is 3");
        assertThat(learner.itemCount()).isZero();
    }

    @Test
    void profilesAreIgnoredWhenItemTextIsOff() {
        MultiTaskLearner learner = new MultiTaskLearner(small());
        assertThat(learner.profileRejectReason("i", new float[] {1, 2})).isNull();
        learner.updateItemProfile("i", new float[] {1, 2});
        assertThat(learner.itemCount()).isZero();
        assertThat(learner.itemTextEmbedding("i")).isNull();
    }

    @Test
    void profileOfANewItemCreatesItsRowWithAZeroLearnedPartAndAdmitsIt() {
        MultiTaskLearner learner =
                new MultiTaskLearner(
                        small().toBuilder().itemTextDim(2).admissionMinCount(5).build());
        learner.updateItemProfile("new", new float[] {0.5f, -1f});
        assertThat(learner.itemCount()).isEqualTo(1);
        assertThat(learner.itemTextEmbedding("new")).containsExactly(0.5f, -1f);
        // P starts at 0 and the row is 0, so before training the item vector is 0: every item
        // with a zero vector scores alike, whatever its text.
        learner.updateItemProfile("twin", new float[] {3f, 3f});
        assertThat(learner.score("someone", "new").score())
                .isEqualTo(learner.score("someone", "twin").score());
        learner.learn(List.of(click("e1", "someone", "new", 1_000)));
        assertThat(learner.score("someone", "new").score())
                .isNotEqualTo(learner.score("someone", "twin").score());
    }

    @Test
    void topKAndScoreAgreeOnItemsWithTextAfterEveryStepAndProfile() {
        MultiTaskLearner learner = new MultiTaskLearner(small().toBuilder().itemTextDim(2).build());
        for (int i = 0; i < 10; i++) {
            learner.updateItemProfile("i" + i, new float[] {i % 3 - 1f, 0.5f * (i % 2)});
        }
        learner.updateItemProfile("a", new float[] {1f, 0f});
        learner.updateItemProfile("b", new float[] {0f, 1f});
        for (List<Interaction> batch : stream(5, 16, 12)) {
            learner.learn(batch);
        }
        // A topK before the last step and profile must not leave stale item vectors behind.
        assertThat(learner.topK("u1", 100)).hasSize(12);
        learner.learn(List.of(click("last", "u1", "a", 1_000_000)));
        learner.updateItemProfile("c", new float[] {0.7f, 0.7f});
        List<ItemScore> top = learner.topK("u1", 100);
        assertThat(top).extracting(ItemScore::itemId).contains("a", "b", "c");
        for (ItemScore s : top) {
            assertThat(s.score())
                    .as(s.itemId())
                    .isCloseTo(learner.score("u1", s.itemId()).score(), within(1e-5f));
        }
    }

    @Test
    void exportedUserImportedIntoAnotherLearnerExportsEqualAndScoresEqual() {
        MultiTaskLearner source = new MultiTaskLearner(small());
        for (List<Interaction> batch : stream(5, 16, 12)) {
            source.learn(batch);
        }
        UserRowState state = source.exportUser("u2");
        assertThat(state.values()).hasSize(8);
        assertThat(state.slots()).hasSize(8);
        assertThat(state.biases()).hasSize(3);
        assertThat(state.lastSeen()).isEqualTo(source.lastEventTime("u2"));

        MultiTaskLearner target = MultiTaskLearner.fromSnapshotBytes(source.toSnapshotBytes());
        target.importUser(
                new UserRowState(
                        "u2", new float[8], new float[8], new float[3], new float[3], 5L, 0L));
        assertThat(target.exportUser("u2")).isNotEqualTo(state);
        target.importUser(state);
        assertThat(target.exportUser("u2")).isEqualTo(state);
        assertThat(target.score("u2", "i3")).isEqualTo(source.score("u2", "i3"));

        MultiTaskLearner fresh = new MultiTaskLearner(small());
        fresh.importUser(state);
        assertThat(fresh.exportUser("u2")).isEqualTo(state);
        assertThat(fresh.userCount()).isEqualTo(1);
    }

    @Test
    void importingAUserStateOfTheWrongShapeIsRejectedAndAddsNoRow() {
        MultiTaskLearner learner = new MultiTaskLearner(small());
        UserRowState wrong =
                new UserRowState(
                        "u", new float[4], new float[4], new float[3], new float[3], 0L, 0L);
        assertThatThrownBy(() -> learner.importUser(wrong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "user state of 'u' has 4 values, 4 slots, 3 biases and 3 bias slots;"
                                + " expected 8, 8, 3 and 3 (embedding.dim=8, optimizer=adagrad)");
        assertThat(learner.userCount()).isZero();
    }

    @Test
    void pendingClicksOfAUserMoveToAnotherLearnerAndStillExpireThere() {
        MultiTaskLearner source = new MultiTaskLearner(small());
        source.learn(
                List.of(
                        click("e1", "u", "a", 1_000),
                        click("e2", "v", "a", 1_100),
                        click("e3", "u", "b", 1_200)));
        List<PendingClick> exported = source.exportPendingClicks("u");
        assertThat(exported).extracting(PendingClick::itemId).containsExactly("a", "b");
        assertThat(exported).extracting(PendingClick::eventTime).containsExactly(1_000L, 1_200L);
        assertThat(exported.get(0).purchasePrediction()).isBetween(0f, 1f);

        MultiTaskLearner target = new MultiTaskLearner(small());
        target.learn(List.of(click("e9", "w", "c", 1_050)));
        target.importPendingClicks("u", exported);
        List<PendingClick> reexported = target.exportPendingClicks("u");
        assertThat(reexported)
                .extracting(
                        PendingClick::userId,
                        PendingClick::itemId,
                        PendingClick::eventTime,
                        PendingClick::purchasePrediction)
                .containsExactlyElementsOf(
                        exported.stream()
                                .map(
                                        c ->
                                                org.assertj.core.groups.Tuple.tuple(
                                                        c.userId(),
                                                        c.itemId(),
                                                        c.eventTime(),
                                                        c.purchasePrediction()))
                                .toList());
        assertThat(target.pendingClicks()).isEqualTo(3);

        target.advanceEventTime(5_000);
        BatchResult result = target.learn(List.of());
        assertThat(result.expiredClicks()).isEqualTo(3);
        assertThat(target.exportPendingClicks("u")).isEmpty();
        assertThat(target.metrics().purchaseCount()).isEqualTo(3);
    }

    /** Impressions, clicks and ratings of {@code users} users on 10 items, one second apart. */
    static List<List<Interaction>> stream(int users, int batchSize, int batchCount) {
        List<List<Interaction>> batches = new ArrayList<>();
        long time = 1_000;
        int n = 0;
        for (int b = 0; b < batchCount; b++) {
            List<Interaction> batch = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                int u = (n * 7 + b) % users;
                int item = (n * 3) % 10;
                time += 1_000;
                String id = "e" + n++;
                switch (n % 3) {
                    case 0 -> batch.add(click(id, "u" + u, "i" + item, time));
                    case 1 -> batch.add(impression(id, "u" + u, "i" + item, time));
                    default -> batch.add(rating(id, "u" + u, "i" + item, time, 1 + n % 5));
                }
            }
            batches.add(batch);
        }
        return batches;
    }
}
