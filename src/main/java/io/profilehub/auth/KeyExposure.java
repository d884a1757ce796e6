package io.profilehub.auth;

import io.micronaut.core.annotation.Nullable;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Decides whether a configured key may be reachable from the network: a guessable key with every scope must never
 * be, so a weak bootstrap key is accepted only while the server listens on loopback alone.
 */
public final class KeyExposure {
    static final int MIN_LENGTH = 32;
    static final int MIN_DISTINCT = 10;

    private KeyExposure() {
    }

    /** Shorter than 32 characters, fewer than 10 distinct characters, or a shorter string repeated. */
    public static boolean weak(String key) {
        if (key.length() < MIN_LENGTH || key.chars().distinct().count() < MIN_DISTINCT) {
            return true;
        }
        for (int period = 1; period <= key.length() / 2; period++) {
            if (periodic(key, period)) {
                return true;
            }
        }
        return false;
    }

    private static boolean periodic(String key, int period) {
        for (int i = period; i < key.length(); i++) {
            if (key.charAt(i) != key.charAt(i - period)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code micronaut.server.host} confines the server to this machine (unset means every interface). */
    public static boolean loopbackOnly(@Nullable String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host.trim());
            return addresses.length > 0 && Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
        } catch (UnknownHostException e) {
            return false; // the server could not bind to it either
        }
    }
}
