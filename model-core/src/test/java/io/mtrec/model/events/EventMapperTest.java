package io.mtrec.model.events;

import io.mtrec.model.Interaction;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.ItemProfile;
import io.mtrec.schemas.PurchaseEvent;
import io.mtrec.schemas.RatingEvent;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventMapperTest {
    private static final Instant T = Instant.ofEpochMilli(1_000);
    private final EventMapper mapper = new EventMapper(1f, 5f);

    @Test
    void clickedImpressionIsAClick() throws Exception {
        Interaction i = mapper.toInteraction(new ClickEvent("e", "u", "i", T, true, null, null));
        assertThat(i).isEqualTo(Interaction.click("e", "u", "i", 1_000));
    }

    @Test
    void unclickedImpressionIsAnExplicitNegative() throws Exception {
        Interaction i = mapper.toInteraction(new ClickEvent("e", "u", "i", T, false, 2, "home"));
        assertThat(i.kind()).isEqualTo(Interaction.Kind.IMPRESSION);
    }

    @Test
    void purchaseKeepsQuantity() throws Exception {
        Interaction i = mapper.toInteraction(new PurchaseEvent("e", "u", "i", T, 3, 1.5));
        assertThat(i.kind()).isEqualTo(Interaction.Kind.PURCHASE);
        assertThat(i.value()).isEqualTo(3f);
    }

    @Test
    void ratingOnScaleIsKept() throws Exception {
        Interaction i = mapper.toInteraction(new RatingEvent("e", "u", "i", T, 5f));
        assertThat(i).isEqualTo(Interaction.rating("e", "u", "i", 1_000, 5f));
    }

    @Test
    void ratingOffScaleIsRejectedWithTheScale() {
        assertThatThrownBy(() -> mapper.toInteraction(new RatingEvent("e", "u", "i", T, 7f)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("rating 7.0 is outside the scale [1.0, 5.0]");
    }

    @Test
    void nanRatingIsRejected() {
        assertThatThrownBy(() -> mapper.toInteraction(new RatingEvent("e", "u", "i", T, Float.NaN)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("outside the scale");
    }

    @Test
    void emptyUserIdIsRejected() {
        assertThatThrownBy(
                        () ->
                                mapper.toInteraction(
                                        new ClickEvent("e", " ", "i", T, true, null, null)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("userId is empty");
    }

    @Test
    void zeroQuantityIsRejected() {
        assertThatThrownBy(() -> mapper.toInteraction(new PurchaseEvent("e", "u", "i", T, 0, null)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("purchase quantity must be >= 1, got 0");
    }

    @Test
    void nonPositiveEventTimeIsRejected() {
        assertThatThrownBy(
                        () ->
                                mapper.toInteraction(
                                        new ClickEvent(
                                                "e", "u", "i", Instant.EPOCH, true, null, null)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("eventTime must be positive");
    }

    @Test
    void itemProfileIsNotATrainingEvent() {
        assertThatThrownBy(() -> mapper.toInteraction(new ItemProfile("i", null, null, T)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("not a training event: io.mtrec.schemas.ItemProfile");
    }
}
