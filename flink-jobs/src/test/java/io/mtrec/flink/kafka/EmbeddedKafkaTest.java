package io.mtrec.flink.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Behaviour of a running {@link EmbeddedKafka} broker, shared by all tests of this class. */
class EmbeddedKafkaTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String MAX_MESSAGE_BYTES = String.valueOf(2 * 1024 * 1024);

    private static EmbeddedKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = EmbeddedKafka.start(Map.of("message.max.bytes", MAX_MESSAGE_BYTES));
        admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                kafka.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void bootstrapServersIsALoopbackAddressWithAPort() {
        assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:[1-9][0-9]*");
    }

    @Test
    void consumerGroupReadsWhatAProducerWroteToACreatedTopic() throws Exception {
        kafka.createTopic("round-trip", 1, false);

        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (String value : List.of("a", "b", "c")) {
                producer.send(new ProducerRecord<>("round-trip", "key-" + value, value));
            }
            producer.flush();
        }

        try (KafkaConsumer<String, String> consumer =
                consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "round-trip-group"))) {
            consumer.subscribe(List.of("round-trip"));
            assertThat(pollValues(consumer, 3)).containsExactly("a", "b", "c");
        }
    }

    @Test
    void readCommittedConsumerSeesCommittedTransactionsButNotAbortedOnes() throws Exception {
        kafka.createTopic("transactional", 1, false);

        try (KafkaProducer<String, String> producer =
                producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-test"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", "k", "committed-1"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", "k", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", "k", "committed-2"));
            producer.commitTransaction();
        }

        try (KafkaConsumer<String, String> consumer =
                consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            TopicPartition partition = new TopicPartition("transactional", 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            // committed-2 lies after the aborted record, so reading it proves the abort was
            // skipped.
            assertThat(pollValues(consumer, 2)).containsExactly("committed-1", "committed-2");
        }
    }

    @Test
    void compactedTopicHasCompactCleanupPolicy() throws Exception {
        kafka.createTopic("compacted", 2, true);

        assertThat(topicConfig("compacted").get("cleanup.policy").value()).isEqualTo("compact");
    }

    @Test
    void uncompactedTopicHasDeleteCleanupPolicy() throws Exception {
        kafka.createTopic("uncompacted", 2, false);

        assertThat(topicConfig("uncompacted").get("cleanup.policy").value()).isEqualTo("delete");
    }

    @Test
    void createTopicsCreatesEveryTopicWithItsPartitionCount() throws Exception {
        kafka.createTopics(
                List.of(
                        new TopicSpec("batch-one", 1, false),
                        new TopicSpec("batch-three", 3, true)));

        Map<String, TopicDescription> descriptions =
                admin.describeTopics(Set.of("batch-one", "batch-three")).allTopicNames().get();
        Map<String, Integer> partitionCounts = new HashMap<>();
        descriptions.forEach((name, d) -> partitionCounts.put(name, d.partitions().size()));
        assertThat(partitionCounts)
                .containsOnly(Map.entry("batch-one", 1), Map.entry("batch-three", 3));
    }

    @Test
    void createTopicRejectsAnExistingTopic() throws Exception {
        kafka.createTopic("existing", 1, false);

        assertThatThrownBy(() -> kafka.createTopic("existing", 1, false))
                .isInstanceOf(TopicExistsException.class);
    }

    @Test
    void brokerOverridesReachTheBroker() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config config = admin.describeConfigs(List.of(broker)).all().get().get(broker);

        assertThat(config.get("message.max.bytes").value()).isEqualTo(MAX_MESSAGE_BYTES);
    }

    private static Config topicConfig(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(extra);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(props);
    }

    private static KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(extra);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(props);
    }

    /** Polls until {@code count} values arrived or the deadline passed, whichever is first. */
    private static List<String> pollValues(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (values.size() < count && System.nanoTime() - deadline < 0) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                values.add(record.value());
            }
        }
        return values;
    }
}
