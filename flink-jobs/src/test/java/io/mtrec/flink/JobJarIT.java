package io.mtrec.flink;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded job jar that {@code flink run} receives: it brings what a stock Flink 2.2 distribution
 * lacks and nothing Flink itself provides.
 */
class JobJarIT {
    private static JarFile jar;

    @BeforeAll
    static void openJar() throws IOException {
        Path target = Path.of("target");
        try (DirectoryStream<Path> jars =
                Files.newDirectoryStream(target, "mtrec-flink-jobs-*.jar")) {
            for (Path p : jars) {
                jar = new JarFile(p.toFile());
            }
        }
        assertThat(jar).as("shaded job jar in target/").isNotNull();
    }

    private static boolean has(String entry) {
        return jar.getEntry(entry) != null;
    }

    @Test
    void manifestNamesTheTrainingJob() throws IOException {
        assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                .isEqualTo("io.mtrec.flink.TrainingJob");
    }

    @Test
    void bringsKafkaConnectorAvroAndTheModel() {
        assertThat(has("org/apache/flink/connector/kafka/source/KafkaSource.class")).isTrue();
        assertThat(has("org/apache/flink/connector/base/DeliveryGuarantee.class")).isTrue();
        assertThat(has("org/apache/kafka/clients/producer/KafkaProducer.class")).isTrue();
        assertThat(has("org/apache/avro/Schema.class")).isTrue();
        assertThat(has("io/mtrec/model/MultiTaskLearner.class")).isTrue();
        assertThat(has("io/mtrec/schemas/UserScores.class")).isTrue();
        assertThat(has("org/nd4j/linalg/factory/Nd4j.class")).isTrue();
        assertThat(has("org/nd4j/linalg/cpu/nativecpu/bindings/Nd4jCpu.class")).isTrue();
        assertThat(
                        jar.stream()
                                .anyMatch(
                                        e ->
                                                e.getName().startsWith("org/nd4j/linalg/cpu/")
                                                        && e.getName().endsWith(".so")))
                .as("linux-x86_64 natives of nd4j-native")
                .isTrue();
    }

    @Test
    void leavesFlinkAndTheDemoBrokerOut() {
        assertThat(
                        has(
                                "org/apache/flink/streaming/api/environment/"
                                        + "StreamExecutionEnvironment.class"))
                .isFalse();
        assertThat(has("org/apache/flink/runtime/minicluster/MiniCluster.class")).isFalse();
        assertThat(has("kafka/server/KafkaRaftServer.class")).isFalse();
        assertThat(has("scala/Predef.class")).isFalse();
        assertThat(has("org/apache/logging/log4j/core/Logger.class")).isFalse();
    }
}
