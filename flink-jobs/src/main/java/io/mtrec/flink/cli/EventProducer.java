package io.mtrec.flink.cli;

import io.mtrec.model.metrics.MetricsSnapshot;
import io.mtrec.model.synthetic.SyntheticEvent;
import io.mtrec.model.synthetic.SyntheticGenerator;
import io.mtrec.schemas.ClickEvent;
import io.mtrec.schemas.PurchaseEvent;
import io.mtrec.schemas.RatingEvent;
import io.mtrec.schemas.TopicKind;
import io.mtrec.schemas.TopicRegistry;
import io.mtrec.schemas.serde.AvroSerde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Streams synthetic events into Kafka at a fixed rate, Avro single-object encoded, keyed by user.
 * Optionally mixes in undecodable records so the dead-letter path is exercised.
 */
public final class EventProducer implements Runnable, AutoCloseable {
    private final SyntheticGenerator generator;
    private final KafkaProducer<byte[], byte[]> producer;
    private final TopicRegistry topics;
    private final double ratePerSec;
    private final long maxEvents;
    private final int corruptEvery;
    private final boolean liveEventTime;
    private final AvroSerde<ClickEvent> clicks = AvroSerde.of(ClickEvent.class);
    private final AvroSerde<PurchaseEvent> purchases = AvroSerde.of(PurchaseEvent.class);
    private final AvroSerde<RatingEvent> ratings = AvroSerde.of(RatingEvent.class);
    private volatile boolean stopped;
    private volatile long produced;
    private volatile long corrupt;
    private volatile MetricsSnapshot bayes;

    /**
     * Whether anyone read {@link #bayes()}: the once-a-second refresh sorts the generator's metric
     * windows (a quarter of this thread at 10,000 events/s), wasted on a caller that never reads
     * it.
     */
    private volatile boolean bayesRead;

    private volatile int usersSeen;

    /**
     * @param ratePerSec events per second (0 = as fast as possible)
     * @param maxEvents stop after this many events (0 = until {@link #stop()})
     * @param corruptEvery send one undecodable record after every this many events (0 = never)
     */
    public EventProducer(
            SyntheticGenerator generator,
            String bootstrapServers,
            TopicRegistry topics,
            double ratePerSec,
            long maxEvents,
            int corruptEvery) {
        this(generator, bootstrapServers, topics, ratePerSec, maxEvents, corruptEvery, false);
    }

    /**
     * As the other constructor; with {@code liveEventTime} every event's time is the wall clock
     * when it is sent instead of the generator's simulated clock, so the event-to-score latency of
     * a live job can be read off the score records.
     */
    public EventProducer(
            SyntheticGenerator generator,
            String bootstrapServers,
            TopicRegistry topics,
            double ratePerSec,
            long maxEvents,
            int corruptEvery,
            boolean liveEventTime) {
        this.liveEventTime = liveEventTime;
        this.generator = generator;
        this.topics = topics;
        this.ratePerSec = ratePerSec;
        this.maxEvents = maxEvents;
        this.corruptEvery = corruptEvery;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props);
        this.bayes = generator.bayes().snapshot();
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        long lastMetrics = start;
        while (!stopped && (maxEvents == 0 || produced < maxEvents)) {
            if (ratePerSec > 0) {
                long due = start + (long) (produced * 1e9 / ratePerSec);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(50)));
                    continue;
                }
            }
            send(generator.next());
            produced++;
            if (corruptEvery > 0 && produced % corruptEvery == 0) {
                byte[] garbage = ("not avro #" + produced).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topics.name(TopicKind.CLICKS), null, garbage));
                corrupt++;
            }
            long now = System.nanoTime();
            if (bayesRead && now - lastMetrics > TimeUnit.SECONDS.toNanos(1)) {
                publishTruth();
                lastMetrics = now;
            }
        }
        producer.flush();
        publishTruth();
    }

    private void publishTruth() {
        bayes = generator.bayes().snapshot();
        usersSeen = generator.usersSeen();
    }

    private void send(SyntheticEvent event) {
        SpecificRecord record = event.record();
        Instant now = liveEventTime ? Instant.ofEpochMilli(System.currentTimeMillis()) : null;
        String topic;
        byte[] value;
        if (record instanceof ClickEvent c) {
            if (now != null) {
                c.setEventTime(now);
            }
            topic = topics.name(TopicKind.CLICKS);
            value = clicks.serialize(c);
        } else if (record instanceof PurchaseEvent p) {
            if (now != null) {
                p.setEventTime(now);
            }
            topic = topics.name(TopicKind.PURCHASES);
            value = purchases.serialize(p);
        } else if (record instanceof RatingEvent r) {
            if (now != null) {
                r.setEventTime(now);
            }
            topic = topics.name(TopicKind.RATINGS);
            value = ratings.serialize(r);
        } else {
            throw new IllegalStateException("generator produced " + record.getClass());
        }
        byte[] key = event.interaction().userId().getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    public void stop() {
        stopped = true;
    }

    public long produced() {
        return produced;
    }

    /** Undecodable records sent so far. */
    public long corrupt() {
        return corrupt;
    }

    /**
     * The generator's Bayes-optimal metrics, refreshed about once a second from the first call on
     * (and when the producer ends).
     */
    public MetricsSnapshot bayes() {
        bayesRead = true;
        return bayes;
    }

    public int usersSeen() {
        return usersSeen;
    }

    @Override
    public void close() {
        stop();
        producer.close();
    }
}
