import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Counts what a topic holds (the sum of its partitions' end offsets) every 100 ms and prints "elapsed_ms records"
 * until it holds TARGET records or MAX_SECONDS passed (exit 1); creates the topic with PARTITIONS first when it is
 * missing, so that the drain does not wait for its creation. Reads offsets only, never the records, so the counting
 * costs the broker next to nothing. Lines start with "OFFSETS" (the classpath's logger writes to stdout too).
 * Usage (single-file source, Kafka client on the classpath):
 * java -cp CLASSPATH bench/KafkaOffsets.java BOOTSTRAP TOPIC PARTITIONS TARGET MAX_SECONDS
 */
public class KafkaOffsets {
    public static void main(String[] args) throws Exception {
        String topic = args[1];
        int partitions = Integer.parseInt(args[2]);
        long target = Long.parseLong(args[3]);
        long max = Long.parseLong(args[4]) * 1000;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        try (Admin admin = Admin.create(p)) {
            if (!admin.listTopics().names().get().contains(topic)) {
                admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(topic, partitions,
                        (short) 1))).all().get();
            }
            System.out.println("OFFSETS ready");
            long start = System.currentTimeMillis();
            while (System.currentTimeMillis() - start < max) {
                long total = 0;
                try {
                    var description = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic);
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    description.partitions().forEach(i -> latest.put(new TopicPartition(topic, i.partition()),
                            OffsetSpec.latest()));
                    for (var offset : admin.listOffsets(latest).all().get().values()) {
                        total += offset.offset();
                    }
                } catch (java.util.concurrent.ExecutionException noTopicYet) {
                    total = 0;
                }
                System.out.println("OFFSETS " + (System.currentTimeMillis() - start) + " " + total);
                if (total >= target) {
                    return;
                }
                Thread.sleep(100);
            }
        }
        System.exit(1);
    }
}
