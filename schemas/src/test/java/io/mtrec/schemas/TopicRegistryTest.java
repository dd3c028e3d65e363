package io.mtrec.schemas;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicRegistryTest {

    @Test
    void defaultsUseDesignNames() {
        TopicRegistry registry = TopicRegistry.defaults();
        assertThat(registry.name(TopicKind.CLICKS)).isEqualTo("mtrec.clicks");
        assertThat(registry.name(TopicKind.SCORES)).isEqualTo("mtrec.scores");
        assertThat(registry.name(TopicKind.DEADLETTER)).isEqualTo("mtrec.deadletter");
        assertThat(registry.all()).hasSize(TopicKind.values().length);
    }

    @Test
    void renamedTopicKeepsItsSchema() {
        TopicRegistry registry = TopicRegistry.withNames(Map.of(TopicKind.RATINGS, "shop.ratings"));
        Topic<RatingEvent> ratings = registry.get(TopicKind.RATINGS, RatingEvent.class);
        assertThat(ratings.name()).isEqualTo("shop.ratings");
        assertThat(ratings.serde().schema()).isEqualTo(RatingEvent.getClassSchema());
        assertThat(registry.byName("shop.ratings")).contains(ratings);
        assertThat(registry.byName("mtrec.ratings")).isEmpty();
    }

    @Test
    void twoKindsUnderOneNameAreRejected() {
        assertThatThrownBy(
                        () ->
                                TopicRegistry.withNames(
                                        Map.of(
                                                TopicKind.CLICKS,
                                                "events",
                                                TopicKind.RATINGS,
                                                "events")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topic name 'events' is used for both");
    }

    @Test
    void askingForTheWrongValueTypeIsRejected() {
        assertThatThrownBy(() -> TopicRegistry.defaults().get(TopicKind.CLICKS, RatingEvent.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CLICKS carries ClickEvent");
    }

    @Test
    void compactedTopicsAreScoresSnapshotsAndItems() {
        assertThat(TopicKind.SCORES.compacted()).isTrue();
        assertThat(TopicKind.SNAPSHOTS.compacted()).isTrue();
        assertThat(TopicKind.ITEMS.compacted()).isTrue();
        assertThat(TopicKind.CLICKS.compacted()).isFalse();
    }
}
