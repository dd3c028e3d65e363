package io.mtrec.model.synthetic;

import io.mtrec.model.Interaction;
import io.mtrec.model.Interaction.Kind;
import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.PurchaseEvent;
import io.mtrec.schemas.RatingEvent;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SyntheticGeneratorTest {
    private static final int WINDOW = 200_000;

    private static List<SyntheticEvent> take(SyntheticGenerator g, int n) {
        List<SyntheticEvent> events = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            events.add(g.next());
        }
        return events;
    }

    private static int index(String id) {
        return Integer.parseInt(id.substring(1));
    }

    @Test
    void sameConfigGivesIdenticalSequence() {
        List<SyntheticEvent> first =
                take(new SyntheticGenerator(SyntheticConfig.defaults(), 1000), 50_000);
        List<SyntheticEvent> second =
                take(new SyntheticGenerator(SyntheticConfig.defaults(), 1000), 50_000);
        assertThat(second).isEqualTo(first);
    }

    @Test
    void differentSeedGivesDifferentSequence() {
        List<SyntheticEvent> first =
                take(new SyntheticGenerator(SyntheticConfig.defaults(), 1000), 1000);
        List<SyntheticEvent> other =
                take(
                        new SyntheticGenerator(SyntheticConfig.builder().seed(43).build(), 1000),
                        1000);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void eventsAreNonDecreasingInEventTime() {
        SyntheticGenerator g = new SyntheticGenerator(SyntheticConfig.defaults(), 1000);
        long previous = Long.MIN_VALUE;
        for (int k = 0; k < 100_000; k++) {
            long t = g.next().eventTime();
            assertThat(t).isGreaterThanOrEqualTo(previous);
            previous = t;
        }
    }

    @Test
    void impressionsAdvanceTheClockByTheEventGapFromTheStartTime() {
        SyntheticConfig c = SyntheticConfig.builder().eventGapMs(7).startTime(1_000).build();
        SyntheticGenerator g = new SyntheticGenerator(c, 1000);
        long impressions = 0;
        for (SyntheticEvent e : take(g, 10_000)) {
            if (e.record() instanceof ClickEvent) {
                assertThat(e.eventTime()).isEqualTo(1_000 + 7 * impressions);
                impressions++;
            }
        }
        assertThat(impressions).isGreaterThan(5_000);
    }

    @Test
    void everyPurchaseFollowsAConvertingClickOfTheSameUserAndItemWithinTheDelay() {
        SyntheticConfig c = SyntheticConfig.defaults();
        SyntheticGenerator g = new SyntheticGenerator(c, WINDOW);
        Map<String, ArrayDeque<Long>> clickTimes = new HashMap<>();
        int purchases = 0;
        for (SyntheticEvent e : take(g, 100_000)) {
            Interaction it = e.interaction();
            String pair = it.userId() + "/" + it.itemId();
            if (it.kind() == Kind.CLICK) {
                clickTimes.computeIfAbsent(pair, k -> new ArrayDeque<>()).add(it.eventTime());
            } else if (it.kind() == Kind.PURCHASE) {
                purchases++;
                ArrayDeque<Long> times = clickTimes.getOrDefault(pair, new ArrayDeque<>());
                // Drop clicks too old to be this purchase's (or any later one's) click.
                while (!times.isEmpty()
                        && times.peekFirst() < it.eventTime() - c.purchaseDelayMaxMs()) {
                    times.pollFirst();
                }
                assertThat(times).as("a click of %s before purchase %s", pair, it).isNotEmpty();
                assertThat(times.peekFirst()).isLessThan(it.eventTime());
                times.pollFirst();
            }
        }
        // Converting clicks whose purchase fell after the last event are still pending.
        long converted =
                Math.round(g.bayes().purchase().positiveRate() * g.bayes().purchase().size());
        assertThat(purchases).isPositive().isLessThanOrEqualTo((int) converted);
        assertThat((double) purchases).isCloseTo(converted, within(0.05 * converted));
    }

    @Test
    void everyRatingFollowsAClickOfTheSameUserAndItemWithinTheDelay() {
        SyntheticConfig c = SyntheticConfig.defaults();
        SyntheticGenerator g = new SyntheticGenerator(c, WINDOW);
        Map<String, List<Long>> clickTimes = new HashMap<>();
        int ratings = 0;
        for (SyntheticEvent e : take(g, 50_000)) {
            Interaction it = e.interaction();
            String pair = it.userId() + "/" + it.itemId();
            if (it.kind() == Kind.CLICK) {
                clickTimes.computeIfAbsent(pair, k -> new ArrayList<>()).add(it.eventTime());
            } else if (it.kind() == Kind.RATING) {
                ratings++;
                long t = it.eventTime();
                assertThat(clickTimes.getOrDefault(pair, List.of()))
                        .anySatisfy(
                                click ->
                                        assertThat(click)
                                                .isBetween(t - c.ratingDelayMaxMs(), t - 1));
            }
        }
        assertThat(ratings).isGreaterThan(1000);
    }

    @Test
    void ratingsStayWithinTheScale() {
        SyntheticConfig c =
                SyntheticConfig.builder()
                        .ratingMin(-2)
                        .ratingMax(2)
                        .ratingNoise(3.0)
                        .ratingProbability(1.0)
                        .build();
        SyntheticGenerator g = new SyntheticGenerator(c, WINDOW);
        Set<Float> bounds = new HashSet<>();
        int ratings = 0;
        for (SyntheticEvent e : take(g, 50_000)) {
            if (e.record() instanceof RatingEvent r) {
                ratings++;
                assertThat(r.getRating()).isBetween(-2f, 2f);
                assertThat(e.interaction().value()).isEqualTo(r.getRating());
                if (r.getRating() == -2f || r.getRating() == 2f) {
                    bounds.add(r.getRating());
                }
            }
        }
        assertThat(ratings).isGreaterThan(5000);
        assertThat(bounds).containsExactlyInAnyOrder(-2f, 2f);
    }

    @Test
    void recordAndInteractionDescribeTheSameEvent() {
        SyntheticGenerator g = new SyntheticGenerator(SyntheticConfig.defaults(), 1000);
        Set<Kind> kinds = new HashSet<>();
        for (SyntheticEvent e : take(g, 20_000)) {
            Interaction it = e.interaction();
            kinds.add(it.kind());
            if (e.record() instanceof ClickEvent c) {
                assertThat(it.kind()).isEqualTo(c.getClicked() ? Kind.CLICK : Kind.IMPRESSION);
                assertThat(List.of(c.getEventId(), c.getUserId(), c.getItemId()))
                        .containsExactly(it.eventId(), it.userId(), it.itemId());
                assertThat(c.getEventTime().toEpochMilli()).isEqualTo(it.eventTime());
            } else if (e.record() instanceof PurchaseEvent p) {
                assertThat(it.kind()).isEqualTo(Kind.PURCHASE);
                assertThat(List.of(p.getEventId(), p.getUserId(), p.getItemId()))
                        .containsExactly(it.eventId(), it.userId(), it.itemId());
                assertThat(p.getEventTime().toEpochMilli()).isEqualTo(it.eventTime());
                assertThat(p.getQuantity()).isEqualTo(1);
            } else {
                RatingEvent r = (RatingEvent) e.record();
                assertThat(it.kind()).isEqualTo(Kind.RATING);
                assertThat(List.of(r.getEventId(), r.getUserId(), r.getItemId()))
                        .containsExactly(it.eventId(), it.userId(), it.itemId());
                assertThat(r.getEventTime().toEpochMilli()).isEqualTo(it.eventTime());
            }
        }
        assertThat(kinds).containsExactlyInAnyOrder(Kind.values());
    }

    @Test
    void eventIdsNumberTheEmittedEvents() {
        SyntheticGenerator g = new SyntheticGenerator(SyntheticConfig.defaults(), 1000);
        List<SyntheticEvent> events = take(g, 5_000);
        for (int k = 0; k < events.size(); k++) {
            assertThat(events.get(k).interaction().eventId()).isEqualTo("e" + k);
        }
        assertThat(g.emitted()).isEqualTo(5_000);
    }

    @Test
    void usersSeenCountsDistinctUsersEmitted() {
        SyntheticConfig c = SyntheticConfig.builder().users(50_000).build();
        SyntheticGenerator g = new SyntheticGenerator(c, 1000);
        Set<String> users = new HashSet<>();
        for (SyntheticEvent e : take(g, 20_000)) {
            users.add(e.interaction().userId());
            assertThat(index(e.interaction().userId())).isBetween(0, 49_999);
        }
        assertThat(g.usersSeen()).isEqualTo(users.size());
        assertThat(users.size()).isGreaterThan(10_000).isLessThan(20_000);
    }

    @Test
    void mostPopularItemShareIsCloseToItsZipfShare() {
        SyntheticGenerator g = new SyntheticGenerator(SyntheticConfig.defaults(), 1000);
        int impressions = 0;
        int topItem = 0;
        for (SyntheticEvent e : take(g, 100_000)) {
            if (e.record() instanceof ClickEvent c) {
                impressions++;
                if (c.getItemId().equals("i0")) {
                    topItem++;
                }
            }
        }
        double harmonic = 0;
        for (int k = 1; k <= 500; k++) {
            harmonic += 1.0 / k;
        }
        double share = 1.0 / harmonic; // about 0.147
        assertThat(g.itemShare(0)).isCloseTo(share, within(1e-12));
        double standardError = Math.sqrt(share * (1 - share) / impressions);
        assertThat(topItem / (double) impressions).isCloseTo(share, within(5 * standardError));
    }

    @Test
    void defaultsGiveBayesClickAucAndRatesInTheTargetRanges() {
        SyntheticGenerator g = new SyntheticGenerator(SyntheticConfig.defaults(), WINDOW);
        long clicks = 0;
        long impressions = 0;
        for (SyntheticEvent e : take(g, 100_000)) {
            if (e.record() instanceof ClickEvent c) {
                impressions++;
                clicks += c.getClicked() ? 1 : 0;
            }
        }
        MetricsSnapshot bayes = g.bayes().snapshot();
        assertThat(bayes.clickAuc()).isBetween(0.75, 0.85);
        assertThat(clicks / (double) impressions).isBetween(0.15, 0.35);
        assertThat(g.bayes().purchase().positiveRate()).isBetween(0.10, 0.30);
        assertThat(bayes.purchaseAuc()).isGreaterThanOrEqualTo(0.7);
        // The rating noise bounds the Bayes error; clipping makes it a little smaller.
        assertThat(bayes.ratingRmse()).isBetween(0.4, 0.5);
    }

    @Test
    void bayesMetricsCountEveryImpressionClickAndRating() {
        SyntheticGenerator g = new SyntheticGenerator(SyntheticConfig.defaults(), WINDOW);
        Map<Kind, Integer> counts = new HashMap<>();
        for (SyntheticEvent e : take(g, 30_000)) {
            counts.merge(e.interaction().kind(), 1, Integer::sum);
        }
        MetricsSnapshot bayes = g.bayes().snapshot();
        assertThat(bayes.clickCount())
                .isEqualTo(counts.get(Kind.IMPRESSION) + counts.get(Kind.CLICK));
        assertThat(bayes.purchaseCount()).isEqualTo((long) counts.get(Kind.CLICK));
        assertThat(bayes.ratingCount()).isEqualTo((long) counts.get(Kind.RATING));
    }

    @Test
    void bayesClickMetricsAreFedTheTrueClickProbability() {
        SyntheticGenerator g = new SyntheticGenerator(SyntheticConfig.defaults(), 1);
        SyntheticEvent e = g.next();
        Interaction it = e.interaction();
        double p = g.clickProbability(index(it.userId()), index(it.itemId()));
        double expected = it.kind() == Kind.CLICK ? -Math.log(p) : -Math.log(1 - p);
        assertThat(g.bayes().click().logLoss()).isCloseTo(expected, within(1e-6));
    }

    @Test
    void itemProfilesAreOnePerItemAndDoNotChangeTheStream() {
        SyntheticGenerator plain = new SyntheticGenerator(SyntheticConfig.defaults(), 1000);
        SyntheticGenerator withProfiles = new SyntheticGenerator(SyntheticConfig.defaults(), 1000);
        List<SyntheticEvent> before = take(withProfiles, 1000);
        var profiles = withProfiles.itemProfiles(123L);
        assertThat(profiles).hasSize(500);
        assertThat(profiles.get(42).getItemId()).isEqualTo("i42");
        assertThat(profiles.get(42).getUpdatedAt().toEpochMilli()).isEqualTo(123L);
        assertThat(profiles.get(42).getTextEmbedding()).hasSize(16);
        assertThat(withProfiles.itemProfiles(123L)).isEqualTo(profiles);
        List<SyntheticEvent> after = take(withProfiles, 1000);
        assertThat(take(plain, 1000)).isEqualTo(before);
        assertThat(take(plain, 1000)).isEqualTo(after);
    }

    @Test
    void itemsWithSimilarFactorsHaveCloserTextEmbeddingsThanRandomPairs() {
        SyntheticGenerator g = new SyntheticGenerator(SyntheticConfig.defaults(), 1000);
        var profiles = g.itemProfiles(0L);
        int items = profiles.size();
        double nearestSum = 0;
        double randomSum = 0;
        for (int i = 0; i < items; i++) {
            double[] qi = g.truth().itemFactors(i);
            int nearest = -1;
            double best = Double.MAX_VALUE;
            for (int j = 0; j < items; j++) {
                if (j != i) {
                    double d = distance(qi, g.truth().itemFactors(j));
                    if (d < best) {
                        best = d;
                        nearest = j;
                    }
                }
            }
            List<Float> ei = profiles.get(i).getTextEmbedding();
            nearestSum += distance(ei, profiles.get(nearest).getTextEmbedding());
            // A fixed stride gives a deterministic "random" partner, unrelated to factors.
            randomSum += distance(ei, profiles.get((i + 211) % items).getTextEmbedding());
        }
        assertThat(nearestSum / items).isLessThan(0.5 * (randomSum / items));
    }

    private static double distance(double[] a, double[] b) {
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            sum += (a[k] - b[k]) * (a[k] - b[k]);
        }
        return Math.sqrt(sum);
    }

    private static double distance(List<Float> a, List<Float> b) {
        double sum = 0;
        for (int k = 0; k < a.size(); k++) {
            double d = a.get(k) - b.get(k);
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
