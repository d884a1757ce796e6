package io.profilehub.operations;

import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.value.PropertyResolver;

import java.net.BindException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failed start-up that is a setting to change, not a fault to debug, stated as the one sentence a newcomer needs:
 * the framework's own report repeats the message of each wrapping exception, with ~100 lines of stack trace.
 */
public final class StartupFailure {
    private static final Pattern ADDRESS = Pattern.compile("(\\S+):(\\d+)\\s*$");

    /**
     * The listeners' ports as configured, taken when start-up begins: the framework reports a failure after it has
     * stopped the context, and with it the environment that resolved them.
     */
    private static volatile Integer apiPort;
    private static volatile Integer managementPort;

    private StartupFailure() {
    }

    static void remember(PropertyResolver settings) {
        apiPort = settings.getProperty("micronaut.server.port", Integer.class).orElse(null);
        managementPort = settings.getProperty("profilehub.management.port", Integer.class).orElse(null);
    }

    /** The sentence for a failure caused by configuration or the machine, or empty for anything else (a bug). */
    public static Optional<String> explain(Throwable failure) {
        BindException bind = cause(failure, BindException.class);
        if (bind != null) {
            return Optional.of(portTaken(failure, bind));
        }
        ConfigurationException configuration = cause(failure, ConfigurationException.class);
        if (configuration != null) {
            return Optional.of("ProfileHub did not start: " + configuration.getMessage());
        }
        return Optional.empty();
    }

    private static String portTaken(Throwable failure, BindException bind) {
        String address = null;
        Integer port = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Matcher m = ADDRESS.matcher(String.valueOf(t.getMessage()));
            if (m.find()) {
                address = m.group(1) + ":" + m.group(2);
                port = Integer.valueOf(m.group(2));
                break;
            }
        }
        Integer management = managementPort;
        Integer api = apiPort;
        String where = address == null ? "" : " " + address;
        String reason = String.valueOf(bind.getMessage()).toLowerCase().contains("in use")
                ? "the port is already in use (by another ProfileHub, or another program)"
                : "the system refused it (" + bind.getMessage() + ")";
        if (port != null && port.equals(management) && !port.equals(api)) {
            return "ProfileHub did not start: the management listener (metrics, detailed health, operator actions) "
                    + "could not listen on" + where + ": " + reason + "; set PROFILEHUB_MANAGEMENT_PORT to a free "
                    + "port (PROFILEHUB_MANAGEMENT_HOST for the address), or stop what holds it.";
        }
        if (port != null && port.equals(api) && !port.equals(management)) {
            return "ProfileHub did not start: the API listener could not listen on" + where + ": " + reason
                    + "; set PORT to a free port (MICRONAUT_SERVER_HOST for the address), or stop what holds it.";
        }
        return "ProfileHub did not start: a listener could not listen on" + where + ": " + reason + "; the API "
                + "listens on PORT (default 8080) and the management listener on PROFILEHUB_MANAGEMENT_PORT (default "
                + "8081): set them to free, different ports.";
    }

    private static <T extends Throwable> T cause(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
