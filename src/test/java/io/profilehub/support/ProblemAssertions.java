package io.profilehub.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks that an answer is the RFC 9457 problem the API promises, with Attuitive's members alongside. */
public final class ProblemAssertions {
    private ProblemAssertions() {
    }

    /** Asserts status, content type, the members every problem has, and that detail mentions each hint. */
    public static void assertProblem(Api.Response r, int status, String... detailHints) {
        assertEquals(status, r.status(), r.body());
        String type = r.header("Content-Type");
        assertNotNull(type, "no Content-Type on " + r.body());
        assertTrue(type.startsWith("application/problem+json"), type);
        assertNotNull(r.json(), "not JSON: " + r.body());
        assertEquals(status, r.json().path("status").asInt(), r.body());
        String detail = r.json().path("detail").asText("");
        assertTrue(!detail.isBlank(), "empty detail: " + r.body());
        assertEquals(detail, r.json().path("message").asText(), "message repeats detail");
        assertTrue(r.json().path("moreInfo").asText("").startsWith("https://"), r.body());
        for (String hint : detailHints) {
            assertTrue(detail.contains(hint), "detail should mention '" + hint + "': " + detail);
        }
    }
}
