package io.profilehub.support;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A real Apache Kafka broker (KRaft, one node that is broker and controller) as a child JVM on loopback, from the
 * kafka_2.13 jars on the test classpath: no Docker, nothing to install. Its storage is formatted with Kafka's own
 * StorageTool in a temporary directory; it listens on free ports: PLAINTEXT (for the tests' admin and consumers,
 * a super user), and SASL_PLAINTEXT with PLAIN users {@code writer} and {@code stranger} (no rights until an ACL
 * grants them some: the StandardAuthorizer is on). {@link #stop()} and {@link #start()} restart it on the same
 * ports and data. Its output goes to {@code target/kafka-logs/<name>-<n>.log}.
 */
public final class KafkaBroker implements AutoCloseable {
    public static final String WRITER = "writer";
    public static final String WRITER_SECRET = "writer-secret";
    public static final String STRANGER = "stranger";
    public static final String STRANGER_SECRET = "stranger-secret";
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kill-kafka"));
    }

    private final String name;
    private final Path dir;
    private final Path config;
    private final int port;
    private final int saslPort;
    private final List<String> jvmOptions;
    private Process process;
    private int starts;
    private Admin admin;

    private KafkaBroker(String name, List<String> jvmOptions) throws IOException {
        this.name = name;
        this.jvmOptions = jvmOptions;
        this.dir = Files.createTempDirectory("profilehub-kafka-" + name);
        this.port = freePort();
        this.saslPort = freePort();
        int controllerPort = freePort();
        this.config = dir.resolve("server.properties");
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + WRITER + "=\""
                + WRITER_SECRET + "\" user_" + STRANGER + "=\"" + STRANGER_SECRET + "\";";
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms=PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + jaas,
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:ANONYMOUS",
                "allow.everyone.if.no.acl.found=false",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
        run(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
                config.toString()), Duration.ofMinutes(2));
    }

    /** Formats a new broker and starts it, within two minutes. */
    public static KafkaBroker start(String name) {
        return start(name, List.of("-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    }

    public static KafkaBroker start(String name, List<String> jvmOptions) {
        try {
            KafkaBroker broker = new KafkaBroker(name, jvmOptions);
            broker.start();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the (stopped) broker on its ports and data and waits until it answers. */
    public synchronized KafkaBroker start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("broker " + name + " is running");
        }
        starts++;
        Path log = Path.of("target", "kafka-logs", name + "-" + starts + ".log");
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command(List.of("kafka.Kafka", config.toString()))).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LIVE.add(process);
        Awaits.until(Duration.ofMinutes(2), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker " + name + " exited; see " + log);
            }
            try {
                return admin().describeCluster().nodes().get(2, TimeUnit.SECONDS).size() == 1;
            } catch (Exception notYet) {
                return false;
            }
        });
        return this;
    }

    /** Stops the broker (SIGTERM, a clean shutdown) and waits until it has exited. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(process);
        process = null;
    }

    /**
     * Freezes the broker (SIGSTOP): its connections stay open and its metadata valid at the clients, but it answers
     * nothing, as a broker stuck in a long pause would. {@link #thaw()} lets it go on.
     */
    public void freeze() {
        signal("-STOP");
    }

    public void thaw() {
        signal("-CONT");
    }

    private synchronized void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The SASL_PLAINTEXT listener (PLAIN users {@link #WRITER} and {@link #STRANGER}). */
    public String saslBootstrapServers() {
        return "127.0.0.1:" + saslPort;
    }

    /** The JAAS line a client of the SASL listener sets as {@code sasl.jaas.config}. */
    public static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    public synchronized Admin admin() {
        if (admin == null) {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
            admin = Admin.create(p);
        }
        return admin;
    }

    /** Creates a topic (one replica) with these topic configs. */
    public void createTopic(String topic, int partitions, Map<String, String> configs) {
        try {
            admin().createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("creating topic " + topic, e);
        }
    }

    /** Sets one config of a topic (as an operator would with kafka-configs). */
    public void setTopicConfig(String topic, String name, String value) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            admin().incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(name, value),
                    AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("setting " + name + " of topic " + topic, e);
        }
    }

    /** Lets {@code user} write to {@code topic} (and read its metadata). */
    public void allowWrite(String user, String topic) {
        ResourcePattern resource = new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL);
        try {
            admin().createAcls(List.of(
                    new AclBinding(resource, new AccessControlEntry("User:" + user, "*", AclOperation.WRITE,
                            AclPermissionType.ALLOW)),
                    new AclBinding(resource, new AccessControlEntry("User:" + user, "*", AclOperation.DESCRIBE,
                            AclPermissionType.ALLOW)))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("granting " + user + " write on " + topic, e);
        }
    }

    /** A consumer of the whole topic from its beginning, without a group (assigned every partition). */
    public Reader reader(String topic) {
        return new Reader(bootstrapServers(), topic);
    }

    /** Reads a topic from the beginning and keeps everything it read, in each partition's order. */
    public static final class Reader implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();

        Reader(String bootstrapServers, String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            consumer = new KafkaConsumer<>(p);
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Polls until {@code done} holds for everything read so far (or the timeout fails the test). */
        public List<ConsumerRecord<String, byte[]>> until(Duration timeout,
                                                         Predicate<List<ConsumerRecord<String, byte[]>>> done) {
            Awaits.until(timeout, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return done.test(records);
            }, () -> "read " + records.size() + " records so far");
            return List.copyOf(records);
        }

        /** Everything read so far. */
        public List<ConsumerRecord<String, byte[]>> records() {
            return List.copyOf(records);
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private List<String> command(List<String> mainAndArguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dlogback.configurationFile=" + writeLogback());
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        command.addAll(mainAndArguments);
        return command;
    }

    /** The broker logs at INFO through the test classpath's logback: to its own file, not the test's output. */
    private Path writeLogback() {
        Path file = dir.resolve("logback.xml");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, """
                        <configuration>
                          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
                          </appender>
                          <root level="INFO"><appender-ref ref="OUT"/></root>
                        </configuration>
                        """);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private void run(List<String> mainAndArguments, Duration timeout) throws IOException {
        Path log = Path.of("target", "kafka-logs", name + "-format.log");
        Files.createDirectories(log.getParent());
        Process format = new ProcessBuilder(command(mainAndArguments)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!format.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IllegalStateException("formatting the broker's storage failed; see " + log + ":\n"
                        + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the system cleans it eventually
        }
    }
}
