package io.profilehub.http;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Search names and values built to break SQL or JSON paths are answered correctly or with a 400, never a 500. */
@MicronautTest(transactional = false)
class HostileSearchTest extends ServiceTest {
    private static final List<String> NASTY = List.of(
            "'", "''", "' or '1'='1", "\"", "\\", "\\\"", "--", "; drop table profiles; --", "$.a", "$[*]",
            "@>", "%", "_", "a.b.c.d.e", "a..b", ".a", "a.", "{\"a\":1}", "[1]", "null", "true", "1e999999999",
            "\u0000", "x\u0000y", "é", "日本語", "😀", "\uFEFF", "a".repeat(300), "%00", "\n", "\r\n", " ", "=");

    @Test
    void hostileNamesAndValuesNeverCause500() {
        String trap = api().post("/identify", "{\"identifiers\":{\"quote\":\"it's\",\"path\":{\"a\":\"b\"},\"uni\":\"日本語😀\"}}")
                .json().get("id").asText();
        for (String name : NASTY) {
            for (String value : NASTY) {
                Api.Response r = api().get("/identify?" + encode(name) + "=" + encode(value));
                assertTrue(r.status() == 200 || r.status() == 400 || r.status() == 413,
                        name + "=" + value + " answered " + r.status() + ": " + r.body());
                if (r.status() != 200) {
                    assertEquals("application/problem+json", r.header("Content-Type"));
                }
            }
        }
        assertEquals(trap, only("/identify?quote=" + encode("it's")));
        assertEquals(trap, only("/identify?uni=" + encode("日本語😀")));
        assertEquals(trap, only("/identify?path.a=b"));
        assertEquals(0, api().get("/identify?quote=" + encode("it's' or '1'='1")).json().get("data").size());
        assertEquals(400, api().get("/identify?quote=%00").status());
    }

    private String only(String query) {
        Api.Response r = api().get(query);
        assertEquals(200, r.status(), r.body());
        assertEquals(1, r.json().get("data").size(), query);
        return r.json().get("data").get(0).get("id").asText();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
