package io.mtrec.model.scoring;

import io.mtrec.model.Interaction;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecentItemsTest {

    @Test
    void remembersBoughtAndRatedItemsButNotClicks() {
        RecentItems recent = new RecentItems(true, true, 10);
        recent.observe(Interaction.click("e1", "ann", "lamp", 1));
        recent.observe(Interaction.purchase("e2", "ann", "mug", 2));
        recent.observe(Interaction.rating("e3", "ann", "book", 3, 4f));

        assertThat(recent.of("ann")).containsExactly("mug", "book");
        assertThat(recent.of("bob")).isEmpty();
    }

    @Test
    void onlyTheConfiguredKindsAreRemembered() {
        RecentItems purchasesOnly = new RecentItems(true, false, 10);
        purchasesOnly.observe(Interaction.rating("e1", "ann", "book", 1, 4f));
        purchasesOnly.observe(Interaction.purchase("e2", "ann", "mug", 2));

        assertThat(purchasesOnly.of("ann")).containsExactly("mug");
        assertThat(new RecentItems(false, false, 10).enabled()).isFalse();
    }

    @Test
    void theOldestItemIsForgottenBeyondMaxAndARepeatCountsAsNew() {
        RecentItems recent = new RecentItems(true, true, 2);
        recent.observe(Interaction.purchase("e1", "ann", "a", 1));
        recent.observe(Interaction.purchase("e2", "ann", "b", 2));
        recent.observe(Interaction.purchase("e3", "ann", "a", 3));
        recent.observe(Interaction.purchase("e4", "ann", "c", 4));

        assertThat(recent.of("ann")).containsExactly("a", "c");
    }

    @Test
    void bytesRoundTripAndTheSameStateGivesTheSameBytes() {
        RecentItems first = new RecentItems(true, true, 3);
        first.observe(Interaction.purchase("e1", "bob", "x", 1));
        first.observe(Interaction.purchase("e2", "ann", "y", 2));
        RecentItems second = new RecentItems(true, true, 3);
        second.observe(Interaction.purchase("e2", "ann", "y", 2));
        second.observe(Interaction.purchase("e1", "bob", "x", 1));

        assertThat(second.toBytes()).isEqualTo(first.toBytes());
        RecentItems restored = RecentItems.fromBytes(first.toBytes(), true, true, 3);
        assertThat(restored.of("ann")).containsExactly("y");
        assertThat(restored.of("bob")).containsExactly("x");
        assertThat(restored.toBytes()).isEqualTo(first.toBytes());
    }
}
