package io.mtrec.flink.sinks;

/**
 * A record ready for a Kafka topic: key and Avro single-object value. The topic is chosen by the
 * sink it is sent to. Encoding happens where the record is made, so Flink only moves bytes.
 */
public class OutboundRecord {
    public byte[] key;
    public byte[] value;

    public OutboundRecord() {}

    public OutboundRecord(byte[] key, byte[] value) {
        this.key = key;
        this.value = value;
    }
}
