package io.mtrec.flink.kafka;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Starting and stopping {@link EmbeddedKafka}: each test owns its broker, so no other broker runs
 * while threads are counted.
 */
class EmbeddedKafkaLifecycleTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void startRejectsAnOverrideOfALauncherOwnedSetting() {
        assertThatThrownBy(() -> EmbeddedKafka.start(Map.of("listeners", "PLAINTEXT://:9092")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listeners");
    }

    @Test
    void closeDeletesTheLogDirectory() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        kafka.createTopic("doomed", 1, false);
        Path dataDir = kafka.dataDir();
        assertThat(dataDir).isDirectory();

        kafka.close();

        assertThat(Files.exists(dataDir)).isFalse();
    }

    @Test
    void closeStopsEveryNonDaemonThreadTheBrokerStarted() throws Exception {
        Set<Thread> before = liveNonDaemonThreads();
        EmbeddedKafka kafka = EmbeddedKafka.start();
        kafka.createTopic("threads", 1, false);
        assertThat(newThreads(before)).as("non-daemon threads of the running broker").isNotEmpty();

        kafka.close();

        // A thread told to stop may still be unwinding: wait for each, up to a deadline.
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        for (Thread thread : newThreads(before)) {
            long remainingMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            thread.join(remainingMillis);
        }
        assertThat(newThreads(before).stream().map(Thread::getName)).isEmpty();
    }

    @Test
    void closeTwiceIsHarmless() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        kafka.close();

        assertThatCode(kafka::close).doesNotThrowAnyException();
    }

    @Test
    void createTopicAfterCloseIsRejected() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        kafka.close();

        assertThatThrownBy(() -> kafka.createTopic("late", 1, false))
                .isInstanceOf(IllegalStateException.class);
    }

    private static List<Thread> newThreads(Set<Thread> before) {
        return liveNonDaemonThreads().stream().filter(t -> !before.contains(t)).toList();
    }

    private static Set<Thread> liveNonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toCollection(HashSet::new));
    }
}
