package io.mtrec.model.network;

import io.mtrec.model.tasks.Objective;
import io.mtrec.model.tasks.Task;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExampleBatchTest {

    @Test
    void anExampleCarriesEveryAddedLossWithItsOwnLabelAndWeight() {
        ExampleBatch batch = new ExampleBatch();
        int i = batch.add(Objective.CLICK, 3, 7, 0f, 1f, true);
        batch.addLoss(i, Objective.CTCVR, 0f, 0.5f);

        assertThat(batch.size()).isEqualTo(1);
        assertThat(batch.has(i, Objective.CLICK)).isTrue();
        assertThat(batch.has(i, Objective.CTCVR)).isTrue();
        assertThat(batch.has(i, Objective.CONVERSION)).isFalse();
        assertThat(batch.has(i, Objective.RATING)).isFalse();
        assertThat(batch.weight(i, Objective.CLICK)).isEqualTo(1f);
        assertThat(batch.weight(i, Objective.CTCVR)).isEqualTo(0.5f);
        assertThat(batch.lossMask(i)).isEqualTo(Objective.CLICK.bit() | Objective.CTCVR.bit());
    }

    @Test
    void theFirstLossAddedIsThePrimaryOneThatNamesTheTask() {
        ExampleBatch batch = new ExampleBatch();
        int ctcvr = batch.add(Objective.CTCVR, 0, 0, 1f, 2f, true);
        int impression = batch.add(Objective.CLICK, 0, 1, 0f, 1f, true);
        batch.addLoss(impression, Objective.CTCVR, 0f, 0.25f);

        assertThat(batch.task(ctcvr)).isEqualTo(Task.PURCHASE);
        assertThat(batch.label(ctcvr)).isEqualTo(1f);
        assertThat(batch.weight(ctcvr)).isEqualTo(2f);
        assertThat(batch.task(impression)).isEqualTo(Task.CLICK);
        assertThat(batch.weight(impression)).isEqualTo(1f);
    }

    @Test
    void aTaskExampleIsTheSingleLossOfThatTaskWithPurchasesInClickSpace() {
        ExampleBatch batch = new ExampleBatch();
        int purchase = batch.add(Task.PURCHASE, 1, 2, 1f, 1f, true);
        int rating = batch.add(Task.RATING, 1, 2, 4f, 0.5f, true);
        assertThat(batch.lossMask(purchase)).isEqualTo(Objective.CONVERSION.bit());
        assertThat(batch.lossMask(rating)).isEqualTo(Objective.RATING.bit());
        assertThat(batch.label(rating, Objective.RATING)).isEqualTo(4f);
    }

    @Test
    void addingALossAnExampleAlreadyCarriesIsRejected() {
        ExampleBatch batch = new ExampleBatch();
        int i = batch.add(Objective.CLICK, 0, 0, 1f, 1f, true);
        assertThatThrownBy(() -> batch.addLoss(i, Objective.CLICK, 0f, 1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("example 0 already carries the CLICK loss");
    }

    @Test
    void clearedBatchReusesSlotsWithoutKeepingOldLosses() {
        ExampleBatch batch = new ExampleBatch();
        for (int k = 0; k < 300; k++) {
            int i = batch.add(Objective.CLICK, k, k, 0f, 1f, true);
            batch.addLoss(i, Objective.CTCVR, 0f, 1f);
        }
        batch.clear();
        int i = batch.add(Objective.RATING, 5, 6, 3f, 1f, true);
        assertThat(batch.size()).isEqualTo(1);
        assertThat(batch.lossMask(i)).isEqualTo(Objective.RATING.bit());
        assertThat(batch.userRow(i)).isEqualTo(5);
    }
}
