package io.mtrec.model.events;

import io.mtrec.model.Interaction;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventTimeReleaserTest {

    private static Interaction click(String id, long time) {
        return Interaction.click(id, "u", "i", time);
    }

    @Test
    void releasesOnlyEventsTheWatermarkHasPassedInTimeThenIdOrder() {
        EventTimeReleaser releaser = new EventTimeReleaser();
        releaser.add(click("e3", 300));
        releaser.add(click("e2", 100));
        releaser.add(click("e1", 100));
        releaser.add(Interaction.rating("e0", "u", "i", 500, 4f));

        assertThat(releaser.release(299))
                .extracting(Interaction::eventId)
                .containsExactly("e1", "e2");
        assertThat(releaser.size()).isEqualTo(2);
        assertThat(releaser.release(300)).extracting(Interaction::eventId).containsExactly("e3");
        assertThat(releaser.releaseAll()).extracting(Interaction::eventId).containsExactly("e0");
        assertThat(releaser.lateEvents()).isZero();
    }

    @Test
    void anyArrivalOrderOfTheSameEventsIsReleasedAsTheSameSequence() {
        List<Interaction> events =
                List.of(
                        click("a", 10),
                        Interaction.purchase("b", "u", "i", 12),
                        click("c", 11),
                        Interaction.impression("d", "v", "j", 10),
                        click("e", 15));
        EventTimeReleaser forward = new EventTimeReleaser();
        EventTimeReleaser backward = new EventTimeReleaser();
        for (int k = 0; k < events.size(); k++) {
            forward.add(events.get(k));
            backward.add(events.get(events.size() - 1 - k));
        }
        List<Interaction> first = forward.release(12);
        first.addAll(forward.releaseAll());
        List<Interaction> second = backward.release(11);
        second.addAll(backward.release(14));
        second.addAll(backward.releaseAll());

        assertThat(second).isEqualTo(first);
        assertThat(first).extracting(Interaction::eventId).containsExactly("a", "d", "c", "b", "e");
    }

    @Test
    void anEventBehindAReleasedWatermarkIsHeldForTheNextOneAndCountedLate() {
        EventTimeReleaser releaser = new EventTimeReleaser();
        releaser.add(click("e1", 100));
        releaser.release(200);
        releaser.add(click("late", 150));

        assertThat(releaser.lateEvents()).isEqualTo(1);
        assertThat(releaser.size()).isEqualTo(1);
        assertThat(releaser.release(250)).extracting(Interaction::eventId).containsExactly("late");
    }

    @Test
    void restoredReleaserContinuesAsTheSavedOne() {
        EventTimeReleaser saved = new EventTimeReleaser();
        saved.add(click("e2", 200));
        saved.add(click("e1", 100));
        saved.release(50);
        saved.add(click("late", 40));

        EventTimeReleaser restored = new EventTimeReleaser();
        restored.restore(saved.pending(), saved.releasedUpTo(), saved.lateEvents());

        assertThat(restored.releasedUpTo()).isEqualTo(50);
        assertThat(restored.lateEvents()).isEqualTo(1);
        assertThat(restored.releaseAll()).isEqualTo(saved.releaseAll());
    }
}
