package io.profilehub.faults;

import io.profilehub.support.Api;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The service as a child JVM, so a test can kill it for real ({@link #kill()} sends SIGKILL on Linux) and start it
 * again. It runs the packaged jar when {@code target/profilehub-0.1.0.jar} was built from the classes now compiled,
 * else {@code io.profilehub.Application} from the test classpath (no packaging needed). Configuration goes in as
 * system properties; its output goes to {@code target/fault-logs/<name>-<n>.log}.
 */
final class ServiceProcess implements AutoCloseable {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Pattern INSTANCE = Pattern.compile("Outbox engine (inst_\\w+) delivering");
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static {
        // Never leave a service running after the test JVM ends, whatever the outcome.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kill-services"));
    }

    private final String name;
    private final String apiKey;
    private final Map<String, String> properties;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Process process;
    private int port;
    private Path log;
    private int starts;

    /**
     * @param name       names the log files and the JDBC application_name ({@code <name>-<start>}), which lets a test
     *                   find this process's database sessions
     * @param jdbcUrl    the database, without application name; null for the embedded PostgreSQL
     * @param properties further Micronaut properties (destinations, outbox tuning)
     */
    ServiceProcess(String name, String jdbcUrl, String username, String password, String workspace, String apiKey,
                   Map<String, String> properties) {
        this.name = name;
        this.apiKey = apiKey;
        this.properties = new LinkedHashMap<>();
        this.properties.put("datasources.default.url", jdbcUrl);
        this.properties.put("datasources.default.username", username);
        this.properties.put("datasources.default.password", password);
        this.properties.put("profilehub.bootstrap.api-key", apiKey);
        this.properties.put("profilehub.bootstrap.workspace", workspace);
        this.properties.putAll(properties);
    }

    private final List<String> jvmOptions = new ArrayList<>();

    /** JVM options for the next starts, after the defaults (a later -Xmx wins). */
    ServiceProcess jvmOptions(String... options) {
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /** Environment variables for the next starts (after the test's own PROFILEHUB_, MICRONAUT_ ones are removed). */
    ServiceProcess environment(Map<String, String> variables) {
        environment.putAll(variables);
        return this;
    }

    /** Starts a new process and waits until {@code /health} answers 200. */
    synchronized ServiceProcess start(Duration timeout) throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        IOException lastBindFailure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            starts++;
            port = freePort();
            log = Path.of("target", "fault-logs", name + "-" + starts + ".log");
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(k -> k.startsWith("DATASOURCES_") || k.startsWith("PROFILEHUB_")
                    || k.startsWith("MICRONAUT_"));
            builder.environment().putAll(environment);
            process = builder.start();
            LIVE.add(process);
            if (awaitHealthy(timeout)) {
                return this;
            }
            String tail = logTail(40);
            kill();
            if (!tail.contains("already in use") && !tail.contains("BindException")) {
                throw new IllegalStateException(name + " did not become healthy within " + timeout + "; log " + log
                        + ":\n" + tail);
            }
            lastBindFailure = new IOException("port " + port + " taken: " + tail);
        }
        throw lastBindFailure;
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // A small, quick-starting JVM: the machine running the tests may be busy.
        command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
        command.addAll(jvmOptions);
        properties.forEach((k, v) -> {
            if (v != null && !k.equals("datasources.default.url")) {
                command.add("-D" + k + "=" + v);
            }
        });
        if (properties.get("datasources.default.url") != null) {
            command.add("-Ddatasources.default.url=" + withApplicationName(properties.get("datasources.default.url")));
        }
        command.add("-Dmicronaut.server.port=" + port);
        // Not the default 8081: other instances (and other test runs) may be up on this machine.
        command.add("-Dprofilehub.management.port=" + freePortQuietly());
        command.add("-Dmicronaut.server.host=127.0.0.1");
        Path jar = Path.of("target", "profilehub-0.1.0.jar");
        // The packaged jar carries no embedded PostgreSQL (provided scope): a start without a URL needs the classpath.
        if (properties.get("datasources.default.url") != null && jarIsCurrent(jar)) {
            command.addAll(List.of("-jar", jar.toString()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.profilehub.Application"));
        }
        return command;
    }

    private String withApplicationName(String url) {
        return url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + applicationName();
    }

    /** The application_name of this start's database sessions. */
    String applicationName() {
        return name + "-" + starts;
    }

    /** The packaged jar, only when it is newer than every compiled class (else it would test stale code). */
    private static boolean jarIsCurrent(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return false;
        }
        try (Stream<Path> classes = Files.walk(Path.of("target", "classes"))) {
            long jarTime = Files.getLastModifiedTime(jar).toMillis();
            return classes.filter(Files::isRegularFile).allMatch(p -> {
                try {
                    return Files.getLastModifiedTime(p).toMillis() <= jarTime;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    private boolean awaitHealthy(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest health = HttpRequest.newBuilder(uri().resolve("/health")).timeout(Duration.ofSeconds(5)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try {
                if (PROBE.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static int freePortQuietly() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    Api api() {
        return new Api(uri(), apiKey);
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no release of claimed events, no goodbye to the database. */
    synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " survived SIGKILL");
            }
            LIVE.remove(process);
        }
    }

    /** The outbox engine's instance id, the prefix of its lease owners, as it logged it at start-up. */
    String instanceId() throws IOException {
        Matcher m = INSTANCE.matcher(Files.readString(log, StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IllegalStateException("no outbox engine instance id in " + log);
        }
        return m.group(1);
    }

    /** The process, for a test that signals it itself. */
    Process process() {
        return process;
    }

    Path log() {
        return log;
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    @Override
    public String toString() {
        return name + " (" + (log == null ? "not started" : log.toAbsolutePath()) + ")";
    }
}
