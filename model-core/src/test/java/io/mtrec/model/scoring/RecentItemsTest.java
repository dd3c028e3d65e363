package io.mtrec.model.scoring;

import io.mtrec.model.Interaction;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RecentItemsTest {

    private static List<String> replay(RecentItems recent, Interaction... events) {
        List<String> items = List.of();
        for (Interaction event : events) {
            items = recent.remember(items, event);
        }
        return items;
    }

    @Test
    void remembersBoughtAndRatedItemsButNotClicks() {
        List<String> items =
                replay(
                        new RecentItems(true, true, 10),
                        Interaction.click("e1", "ann", "lamp", 1),
                        Interaction.purchase("e2", "ann", "mug", 2),
                        Interaction.rating("e3", "ann", "book", 3, 4f));

        assertThat(items).containsExactly("mug", "book");
    }

    @Test
    void onlyTheConfiguredKindsAreRemembered() {
        List<String> items =
                replay(
                        new RecentItems(true, false, 10),
                        Interaction.rating("e1", "ann", "book", 1, 4f),
                        Interaction.purchase("e2", "ann", "mug", 2));

        assertThat(items).containsExactly("mug");
        assertThat(new RecentItems(false, false, 10).enabled()).isFalse();
    }

    @Test
    void theOldestItemIsForgottenBeyondMaxAndARepeatCountsAsNew() {
        List<String> items =
                replay(
                        new RecentItems(true, true, 2),
                        Interaction.purchase("e1", "ann", "a", 1),
                        Interaction.purchase("e2", "ann", "b", 2),
                        Interaction.purchase("e3", "ann", "a", 3),
                        Interaction.purchase("e4", "ann", "c", 4));

        assertThat(items).containsExactly("a", "c");
    }

    @Test
    void aListFromALargerMaxKeepsItsNewestItems() {
        List<String> items =
                new RecentItems(true, true, 2)
                        .remember(List.of("a", "b", "c"), Interaction.click("e1", "ann", "x", 1));

        assertThat(items).containsExactly("b", "c");
    }
}
