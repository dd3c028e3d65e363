package io.mtrec.flink.sources;

/**
 * A Kafka record as read, before decoding: where it came from and its bytes. Decoding happens after
 * the source so that a bad record can go to the dead-letter topic with its coordinates.
 */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    public long timestamp;
    public byte[] key;
    public byte[] value;

    public RawRecord() {}

    public RawRecord(
            String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }
}
