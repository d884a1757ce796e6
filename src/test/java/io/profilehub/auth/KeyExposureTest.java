package io.profilehub.auth;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyExposureTest {

    @Test
    void shortRepetitiveOrFewCharacterKeysAreWeak() {
        for (String weak : new String[]{"dev-key", "", "x".repeat(31), "Rk2x9Qp7Lm3Vb8Nc1Zt5Wy4Hs6Jd0Fg",
                "a".repeat(64), "dev-keydev-keydev-keydev-keydev-keydev-k", "0123456789012345678901234567890123",
                "abababababcdcdcdcdcdabababababcdcdcdcd"}) {
            assertTrue(KeyExposure.weak(weak), weak);
        }
    }

    @Test
    void randomKeysOfAtLeast32CharactersAreStrong() {
        for (String strong : new String[]{ApiKeys.newSecret(), "Rk2x9Qp7Lm3Vb8Nc1Zt5Wy4Hs6Jd0Fg2",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c", "phk_test_0123456789abcdef0123456789abcdef"}) {
            assertFalse(KeyExposure.weak(strong), strong);
        }
    }

    @Test
    void onlyLoopbackAddressesConfineTheServer() {
        assertTrue(KeyExposure.loopbackOnly("127.0.0.1"));
        assertTrue(KeyExposure.loopbackOnly("localhost"));
        assertTrue(KeyExposure.loopbackOnly("::1"));
        assertTrue(KeyExposure.loopbackOnly("127.0.0.2"));
        assertFalse(KeyExposure.loopbackOnly(null), "unset: every interface");
        assertFalse(KeyExposure.loopbackOnly(" "));
        assertFalse(KeyExposure.loopbackOnly("0.0.0.0"));
        assertFalse(KeyExposure.loopbackOnly("::"));
        assertFalse(KeyExposure.loopbackOnly("no-such-host.invalid"));
    }
}
