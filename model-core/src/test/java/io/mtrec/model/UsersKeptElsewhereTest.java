package io.mtrec.model;

import io.mtrec.model.config.ModelConfig;
import io.mtrec.model.config.OptimizerKind;
import io.mtrec.model.tasks.PendingClicks.PendingClick;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static io.mtrec.model.Interaction.click;
import static io.mtrec.model.Interaction.purchase;
import static io.mtrec.model.Interaction.rating;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a caller that keeps users' state outside the learner (a Flink operator's keyed state) needs
 * while some users stay in it: forgetting some users only, and the snapshot bytes of the learner
 * with a given set of users, written without changing the learner.
 */
class UsersKeptElsewhereTest {

    static Stream<ModelConfig> configs() {
        ModelConfig plain =
                ModelConfig.builder()
                        .embeddingDim(8)
                        .bottomHidden(16)
                        .metricsWindow(1_000)
                        .conversionWindowMs(10_000)
                        .build();
        // A cold row (admission) and per-row step counters (Adam) change the user table's layout.
        return Stream.of(
                plain,
                plain.toBuilder().admissionMinCount(2).optimizer(OptimizerKind.ADAM).build());
    }

    /** Four users with rows, held clicks for three of them. */
    private static MultiTaskLearner trained(ModelConfig config) {
        MultiTaskLearner learner = new MultiTaskLearner(config);
        List<Interaction> events = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            long t = 1_000L * round;
            events.add(click("a" + round, "ann", "i" + round, t + 1));
            events.add(click("b" + round, "bob", "i" + (round + 1), t + 2));
            events.add(rating("c" + round, "cat", "i2", t + 3, 4f));
            events.add(click("d" + round, "dan", "i3", t + 4));
        }
        events.add(purchase("p", "bob", "i1", 3_500));
        learner.learn(events.subList(0, 8));
        learner.learn(events.subList(8, events.size()));
        return learner;
    }

    @ParameterizedTest
    @MethodSource("configs")
    void forgettingSomeUsersDropsTheirRowsAndHeldClicksAndKeepsTheOthers(ModelConfig config) {
        MultiTaskLearner learner = trained(config);
        UserRowState bob = learner.exportUser("bob");
        UserRowState cat = learner.exportUser("cat");
        List<PendingClick> bobClicks = learner.exportPendingClicks("bob");
        assertThat(learner.exportPendingClicks("ann")).isNotEmpty();

        learner.forgetUsers(Set.of("ann", "dan", "nobody"));

        assertThat(learner.exportUser("ann")).isNull();
        assertThat(learner.exportUser("dan")).isNull();
        assertThat(learner.exportPendingClicks("ann")).isEmpty();
        assertThat(learner.exportPendingClicks("dan")).isEmpty();
        assertThat(learner.exportUser("bob")).isEqualTo(bob);
        assertThat(learner.exportUser("cat")).isEqualTo(cat);
        assertThat(learner.exportPendingClicks("bob")).isEqualTo(bobClicks);
        assertThat(learner.userCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void snapshotWithGivenUsersEqualsForgettingAllAndImportingThemInOrder(ModelConfig config) {
        MultiTaskLearner learner = trained(config);
        byte[] before = learner.toSnapshotBytes();
        List<UserRowState> rows = List.of(learner.exportUser("dan"), learner.exportUser("ann"));

        byte[] written = learner.toSnapshotBytes(rows);

        MultiTaskLearner copy = MultiTaskLearner.fromSnapshotBytes(before);
        copy.forgetUsers();
        for (UserRowState row : rows) {
            copy.importUser(row);
        }
        assertThat(written).isEqualTo(copy.toSnapshotBytes());
        assertThat(learner.toSnapshotBytes()).as("the learner is unchanged").isEqualTo(before);
        MultiTaskLearner restored = MultiTaskLearner.fromSnapshotBytes(written);
        assertThat(restored.exportUser("dan")).isEqualTo(rows.get(0));
        assertThat(restored.exportUser("bob")).isNull();
        assertThat(restored.pendingClicks()).isZero();
    }

    @ParameterizedTest
    @MethodSource("configs")
    void snapshotWithoutUsersEqualsTheLearnerAfterForgettingThem(ModelConfig config) {
        MultiTaskLearner learner = trained(config);
        byte[] written = learner.toSnapshotBytes(List.of());

        learner.forgetUsers();
        assertThat(written).isEqualTo(learner.toSnapshotBytes());
    }

    @ParameterizedTest
    @MethodSource("configs")
    void snapshotWithAUserTwiceIsRefused(ModelConfig config) {
        MultiTaskLearner learner = trained(config);
        UserRowState ann = learner.exportUser("ann");

        assertThatThrownBy(() -> learner.toSnapshotBytes(List.of(ann, ann)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ann' comes twice");
    }

    @ParameterizedTest
    @MethodSource("configs")
    void snapshotWithARowOfAnotherShapeIsRefused(ModelConfig config) {
        MultiTaskLearner learner = trained(config);
        UserRowState ann = learner.exportUser("ann");
        UserRowState wide =
                new UserRowState(
                        "ann",
                        new float[9],
                        ann.slots(),
                        ann.biases(),
                        ann.biasSlots(),
                        ann.lastSeen(),
                        ann.steps());

        assertThatThrownBy(() -> learner.toSnapshotBytes(List.of(wide)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 9 values");
    }
}
