package io.mtrec.flink.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real Apache Kafka broker running inside this JVM, for tests and for {@code ./mtrec demo}.
 *
 * <p>One KRaft node (node id 1) acts as both broker and controller, listening on free ports of
 * 127.0.0.1, with its log directory in a fresh temporary directory. Internal topics (consumer
 * offsets, transaction state, share-group state) have one replica and few partitions, so consumer
 * groups and transactional producers work from the first second. Topics are never auto-created:
 * create them with {@link #createTopic} or {@link #createTopics}, which return once the topics
 * accept reads and writes.
 *
 * <p>{@link #close()} stops the broker and deletes its directory; a JVM shutdown hook does the same
 * for an instance that is never closed.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    /** Free ports are found by binding and releasing them, so another process may win the race. */
    private static final int START_ATTEMPTS = 3;

    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final long TOPIC_READY_BACKOFF_MS = 20;

    /**
     * Settings the launcher owns: overriding them would make {@link #bootstrapServers()} lie or the
     * formatted storage disagree with the broker.
     */
    private static final Set<String> LAUNCHER_OWNED_SETTINGS =
            Set.of(
                    "process.roles",
                    "node.id",
                    "broker.id",
                    "listeners",
                    "advertised.listeners",
                    "listener.security.protocol.map",
                    "controller.listener.names",
                    "controller.quorum.voters",
                    "controller.quorum.bootstrap.servers",
                    "inter.broker.listener.name",
                    "log.dir",
                    "log.dirs",
                    "metadata.log.dir");

    private final Path dataDir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Admin admin;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(
            Path dataDir, KafkaRaftServer server, String bootstrapServers, Admin admin) {
        this.dataDir = dataDir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.admin = admin;
        this.shutdownHook = new Thread(this::close, "mtrec-embedded-kafka-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a broker with the default settings. */
    public static EmbeddedKafka start() throws Exception {
        return start(Map.of());
    }

    /**
     * Starts a broker whose settings are the defaults with {@code brokerOverrides} applied on top.
     *
     * @param brokerOverrides broker settings by Kafka name, e.g. {@code log.retention.ms}; the
     *     listener, node and directory settings belong to the launcher and are rejected
     * @throws IllegalArgumentException if an override names a launcher-owned setting
     */
    public static EmbeddedKafka start(Map<String, String> brokerOverrides) throws Exception {
        Objects.requireNonNull(brokerOverrides, "brokerOverrides");
        for (String key : brokerOverrides.keySet()) {
            if (LAUNCHER_OWNED_SETTINGS.contains(key)) {
                throw new IllegalArgumentException(
                        "broker setting " + key + " is chosen by EmbeddedKafka itself");
            }
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(brokerOverrides);
            } catch (Exception e) {
                if (attempt >= START_ATTEMPTS || !isBindFailure(e)) {
                    throw e;
                }
            }
        }
    }

    /** The address clients bootstrap from, {@code 127.0.0.1:PORT}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates one topic and waits until every partition has a leader that serves requests.
     *
     * @throws org.apache.kafka.common.errors.TopicExistsException if the topic exists already
     */
    public void createTopic(String name, int partitions, boolean compacted) throws Exception {
        createTopics(List.of(new TopicSpec(name, partitions, compacted)));
    }

    /**
     * Creates the topics and waits until every partition of each has a leader that serves requests.
     *
     * @throws org.apache.kafka.common.errors.TopicExistsException if one of the topics exists
     *     already
     */
    public void createTopics(Collection<TopicSpec> specs) throws Exception {
        if (closed.get()) {
            throw new IllegalStateException("EmbeddedKafka is closed");
        }
        List<NewTopic> newTopics = new ArrayList<>(specs.size());
        for (TopicSpec spec : specs) {
            newTopics.add(
                    new NewTopic(spec.name(), spec.partitions(), (short) 1)
                            .configs(
                                    Map.of(
                                            TopicConfig.CLEANUP_POLICY_CONFIG,
                                            spec.compacted()
                                                    ? TopicConfig.CLEANUP_POLICY_COMPACT
                                                    : TopicConfig.CLEANUP_POLICY_DELETE)));
        }
        try {
            admin.createTopics(newTopics).all().get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
        awaitUsable(specs);
    }

    /** Stops the broker and deletes its directory; later calls do nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down: this very call may be the hook.
        }
        try {
            admin.close(Duration.ofSeconds(10));
            stop(server);
        } finally {
            delete(dataDir);
        }
    }

    /** The temporary directory holding the broker's logs; exposed for tests of {@link #close}. */
    Path dataDir() {
        return dataDir;
    }

    private static EmbeddedKafka startOnce(Map<String, String> overrides) throws Exception {
        Path dataDir = Files.createTempDirectory("mtrec-kafka-");
        KafkaRaftServer server = null;
        try {
            int[] ports = freeLoopbackPorts(2);
            int brokerPort = ports[0];
            int controllerPort = ports[1];
            Map<String, String> settings =
                    defaultSettings(brokerPort, controllerPort, dataDir.resolve("logs"));
            settings.putAll(overrides);
            KafkaConfig config = new KafkaConfig(settings, false);
            format(config);
            server = new KafkaRaftServer(config, Time.SYSTEM);
            // Returns once the broker is registered, caught up with the metadata log and unfenced.
            server.startup();
            String bootstrapServers = HOST + ":" + brokerPort;
            Admin admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    bootstrapServers,
                                    AdminClientConfig.CLIENT_ID_CONFIG,
                                    "mtrec-embedded-kafka"));
            return new EmbeddedKafka(dataDir, server, bootstrapServers, admin);
        } catch (Throwable t) {
            if (server != null) {
                try {
                    stop(server);
                } catch (RuntimeException e) {
                    t.addSuppressed(e);
                }
            }
            try {
                delete(dataDir);
            } catch (UncheckedIOException e) {
                t.addSuppressed(e);
            }
            throw t;
        }
    }

    private static Map<String, String> defaultSettings(
            int brokerPort, int controllerPort, Path logDir) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("process.roles", "broker,controller");
        s.put("node.id", String.valueOf(NODE_ID));
        // A static quorum of this one node: no dynamic voter bootstrapping to format for.
        s.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        s.put("controller.listener.names", CONTROLLER_LISTENER);
        s.put("inter.broker.listener.name", BROKER_LISTENER);
        s.put(
                "listeners",
                BROKER_LISTENER
                        + "://"
                        + HOST
                        + ":"
                        + brokerPort
                        + ","
                        + CONTROLLER_LISTENER
                        + "://"
                        + HOST
                        + ":"
                        + controllerPort);
        s.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        s.put(
                "listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        s.put("log.dirs", logDir.toString());

        // One node: every topic, internal ones included, can have only one replica. The defaults
        // (3 replicas, 50 partitions) would make the first consumer group or transaction fail or
        // wait for partitions that cannot exist.
        s.put("default.replication.factor", "1");
        s.put("min.insync.replicas", "1");
        s.put("offsets.topic.replication.factor", "1");
        s.put("offsets.topic.num.partitions", "4");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("transaction.state.log.num.partitions", "4");
        s.put("share.coordinator.state.topic.replication.factor", "1");
        s.put("share.coordinator.state.topic.min.isr", "1");
        s.put("share.coordinator.state.topic.num.partitions", "4");
        s.put("group.initial.rebalance.delay.ms", "0");
        // A typo in a topic name must fail loudly instead of creating a 1-partition topic.
        s.put("auto.create.topics.enable", "false");

        // Sized for a laptop or a CI box shared with a Flink mini-cluster, not for throughput;
        // the cleaner's 128 MiB default dedupe buffer would be heap that tests never need.
        s.put("num.network.threads", "2");
        s.put("num.io.threads", "4");
        s.put("background.threads", "2");
        s.put("num.recovery.threads.per.data.dir", "1");
        s.put("log.cleaner.threads", "1");
        s.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        return s;
    }

    /**
     * Writes {@code meta.properties} and the bootstrap metadata, as {@code kafka-storage.sh format}
     * does: the server refuses to start on unformatted directories.
     */
    private static void format(KafkaConfig config) throws Exception {
        new Formatter()
                // The formatter reports to System.out by default.
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(config.nodeId())
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(config.controllerListenerNames().get(0))
                .setMetadataLogDirectory(config.metadataLogDir())
                .setDirectories(config.logDirs())
                .run();
    }

    private void awaitUsable(Collection<TopicSpec> specs) throws Exception {
        Map<String, Integer> expected = new HashMap<>();
        for (TopicSpec spec : specs) {
            expected.put(spec.name(), spec.partitions());
        }
        long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
        while (true) {
            try {
                if (allLeadersServe(expected)) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw unwrap(e);
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException(
                        "topics " + expected.keySet() + " not usable after " + TOPIC_READY_TIMEOUT);
            }
            Thread.sleep(TOPIC_READY_BACKOFF_MS);
        }
    }

    /**
     * Metadata can name a leader a moment before that broker has opened the partition's log, so a
     * topic counts as usable only once its leader answers a list-offsets request for every
     * partition.
     */
    private boolean allLeadersServe(Map<String, Integer> expectedPartitions)
            throws ExecutionException, InterruptedException {
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(expectedPartitions.keySet()).allTopicNames().get();
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (Map.Entry<String, Integer> expected : expectedPartitions.entrySet()) {
            List<TopicPartitionInfo> infos = descriptions.get(expected.getKey()).partitions();
            if (infos.size() != expected.getValue()) {
                return false;
            }
            for (TopicPartitionInfo info : infos) {
                if (info.leader() == null || info.leader().isEmpty()) {
                    return false;
                }
                partitions.put(
                        new TopicPartition(expected.getKey(), info.partition()),
                        OffsetSpec.latest());
            }
        }
        admin.listOffsets(partitions).all().get();
        return true;
    }

    private static void stop(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    private static int[] freeLoopbackPorts(int count) throws IOException {
        // All sockets stay open until every port is known, so the ports are distinct.
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private static boolean isBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static Exception unwrap(ExecutionException e) {
        return e.getCause() instanceof Exception cause ? cause : e;
    }

    private static void delete(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
