package io.profilehub.profile;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.profilehub.support.Api;
import io.profilehub.support.Rows;
import io.profilehub.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.profilehub.support.ProblemAssertions.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * One value, one profile: unique identifiers are normalised by an explicit rule (numbers by value, NFKC, Unicode
 * White_Space trimmed, control and format characters refused, locale-independent lower case for email), and search
 * finds what writes stored. Page tokens are bound to their filters unambiguously.
 */
@MicronautTest(transactional = false)
class IdentityFidelityTest extends ServiceTest {

    /** How a second write of a variant must end: merged into the first profile, a new profile, or refused. */
    private enum Outcome { SAME, OTHER, REFUSED }

    private record Case(String variant, Outcome outcome) {
    }

    @Test
    void emailVariantsFollowTheDocumentedNormalisation() {
        String kim = create("email", "\"kim@example.com\"");
        List<Case> cases = List.of(
                new Case("KIM@EXAMPLE.COM", Outcome.SAME),
                new Case("\u212Aim@example.com", Outcome.SAME),            // Kelvin sign: NFKC makes it K
                new Case("kim\uFF20example.com", Outcome.SAME),            // fullwidth @
                new Case("\uFF4B\uFF49\uFF4D@example.com", Outcome.SAME),  // fullwidth letters
                new Case(" kim@example.com\t", Outcome.SAME),              // White_Space trimmed
                new Case("\u00A0kim@example.com\u3000\n", Outcome.SAME),    // no-break and ideographic spaces
                new Case("\u001Fkim@example.com", Outcome.REFUSED),         // a control character is not a space
                new Case("kim\u0000@example.com", Outcome.REFUSED),
                new Case("kim\u200B@example.com", Outcome.REFUSED),         // zero-width space
                new Case("kim@exam\u00ADple.com", Outcome.REFUSED),         // soft hyphen
                new Case("\uFEFFkim@example.com", Outcome.REFUSED),         // BOM
                new Case("k\u200Dim@example.com", Outcome.REFUSED),         // zero-width joiner
                new Case("k\u0131m@example.com", Outcome.OTHER));           // dotless ı is another letter
        for (Case c : cases) {
            assertOutcome("email", jsonString(c.variant()), kim, c);
        }

        // Dotted capital İ lower-cases to i + U+0307, never to a plain i, whatever the server's locale.
        String dotted = create("email", "\"k\u0130m@example.com\"");
        assertNotEquals(kim, dotted);
        assertOutcome("email", "\"K\u0130M@EXAMPLE.COM\"", dotted, new Case("", Outcome.SAME));
        assertOutcome("email", "\"KI\u0307M@example.com\"", dotted, new Case("", Outcome.SAME)); // NFD of İ
        assertOutcome("email", "\"ki\u0307m@example.com\"", dotted, new Case("", Outcome.SAME));
    }

    @Test
    void caseSensitiveKeysStillUnifyNormalizationForms() {
        String nfc = create("userId", "\"Jos\u00E9\"");
        assertOutcome("userId", "\"Jose\u0301\"", nfc, new Case("", Outcome.SAME));     // NFD
        assertOutcome("userId", "\"\uFF2Aos\u00E9\"", nfc, new Case("", Outcome.SAME)); // fullwidth J
        assertOutcome("userId", "\"JOS\u00C9\"", nfc, new Case("", Outcome.OTHER));     // userId keeps its case
        assertOutcome("userId", "\"Jos\u00E9\u200B\"", nfc, new Case("", Outcome.REFUSED));
        assertOutcome("phoneNumber", "\"+47\u202A99999999\"", nfc, new Case("", Outcome.REFUSED)); // bidi mark
    }

    @Test
    void aNumberIsOneValueHoweverItIsWritten() {
        String id = create("userId", "100");
        for (String variant : List.of("1e2", "100.0", "1.00E+2", "\"100\"", "100.000")) {
            assertOutcome("userId", variant, id, new Case("", Outcome.SAME));
        }
        assertEquals(List.of("100"), Rows.strings("select key_value from profilehub.identity_keys"
                + " where workspace_id = ? and key_name = 'userId' and profile_id = ?", workspace, id));
        for (String query : List.of("100", "1e2", "100.0", "1E%2B2")) {
            JsonNode page = api().get("/identify?userId=" + query).json();
            assertEquals(1, page.path("data").size(), "userId=" + query + ": " + page);
            assertEquals(id, page.path("data").get(0).path("id").asText());
        }
        // The string "1e2" is a string, not the number: it names another person.
        assertOutcome("userId", "\"1e2\"", id, new Case("", Outcome.OTHER));
        String small = create("externalId", "0.50");
        assertOutcome("externalId", "5E-1", small, new Case("", Outcome.SAME));
        assertEquals(1, api().get("/identify?externalId=0.5").json().path("data").size());
    }

    @Test
    void identifierKeysWithADotAreRefusedBecauseSearchCouldNeverFindThem() {
        String before = Rows.footprint(workspace);
        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":\"dot@example.com\",\"a.b\":1}}"), 400,
                "'a.b'", "'.'");
        assertProblem(api().post("/identify", "{\"identifiers\":{\"email\":\"dot@example.com\",\"n\":{\"x.y\":1}}}"), 400,
                "'x.y'", "identifiers.n");
        String id = create("email", "\"dot@example.com\"");
        before = Rows.footprint(workspace);
        assertProblem(api().post("/identify/" + id, "{\"identifiers\":{\"a.b\":1}}"), 400, "'a.b'");
        Api.Response batch = api().post("/identify/batch", "[{\"id\":\"" + id + "\",\"identifiers\":{\"a.b\":1}},"
                + "{\"identifiers\":{\"email\":\"dot2@example.com\",\"n\":[{\"p.q\":1}]}}]");
        assertEquals(200, batch.status(), batch.body());
        assertEquals(400, batch.json().path("results").get(0).path("status").asInt(), batch.body());
        assertEquals(400, batch.json().path("results").get(1).path("status").asInt(), batch.body());
        assertEquals(before, Rows.footprint(workspace));
        // Traits are never searched: a dotted trait key is fine.
        assertEquals(200, api().post("/track/" + id, "{\"traits\":{\"a.b\":1}}").status());
    }

    @Test
    void pageTokensAreBoundToExactlyTheirFilters() {
        String grp = "g" + System.nanoTime();
        for (int i = 0; i < 3; i++) {
            Api.Response r = api().post("/identify", "{\"identifiers\":{\"grp\":\"" + grp + "\",\"sub\":\"s\"}}");
            assertEquals(201, r.status(), r.body());
        }
        String token = api().get("/identify?grp=" + grp + "&sub=s&limit=1").json().path("nextPageToken").asText();
        assertEquals(1, api().get("/identify?grp=" + grp + "&sub=s&limit=1&pageToken=" + token).json().path("data").size());
        // The same text as one filter whose value holds a line break and '='.
        String forged = URLEncoder.encode(grp + "\nsub=s", StandardCharsets.UTF_8);
        assertProblem(api().get("/identify?grp=" + forged + "&limit=1&pageToken=" + token), 400, "pageToken");
        String forgedName = URLEncoder.encode("grp=" + grp + "\nsub", StandardCharsets.UTF_8);
        assertProblem(api().get("/identify?" + forgedName + "=s&limit=1&pageToken=" + token), 400);
    }

    @Test
    void anEmptyFilterNameIsRefused() {
        for (String query : List.of("=1", "=", "&=x", "limit=5&=1")) {
            assertProblem(api().get("/identify?" + query), 400);
        }
    }

    @Test
    void theMigrationReKeysValuesStoredUnderTheOldRule() throws Exception {
        String number = create("externalId", "1e3");
        String wide = create("email", "\"\uFF4C\uFF45\uFF47@example.com\"");
        String older = create("userId", "\"coll\"");
        String newer = create("userId", "\"other\"");
        // What the old rule stored: numbers as written, fullwidth letters kept.
        execute("update profilehub.identity_keys set key_value = '1E+3' where workspace_id = ? and profile_id = ?", number);
        execute("update profilehub.identity_keys set key_value = '\uFF4C\uFF45\uFF47@example.com'"
                + " where workspace_id = ? and profile_id = ?", wide);
        execute("update profilehub.identity_keys set key_value = '\uFF43\uFF4F\uFF4C\uFF4C'"
                + " where workspace_id = ? and profile_id = ?", newer);

        String migration = java.nio.file.Files.readString(java.nio.file.Path.of("db/V14__identity_key_renormalisation.sql"));
        try (java.sql.Connection c = io.profilehub.support.TestDatabase.connect();
             java.sql.Statement st = c.createStatement()) {
            st.execute("set search_path to profilehub");
            st.execute(migration);
            st.execute(migration); // a second run changes nothing
        }
        assertOutcome("externalId", "1000", number, new Case("", Outcome.SAME));
        assertOutcome("email", "\"LEG@example.com\"", wide, new Case("", Outcome.SAME));
        assertOutcome("userId", "\"coll\"", older, new Case("", Outcome.SAME));
        assertEquals(List.of(), Rows.strings("select key_value from profilehub.identity_keys where workspace_id = ?"
                + " and profile_id = ?", workspace, newer), "the younger profile lost the clashing claim");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private void execute(String sql, String profileId) throws Exception {
        try (java.sql.Connection c = io.profilehub.support.TestDatabase.connect();
             java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, workspace);
            ps.setString(2, profileId);
            assertEquals(1, ps.executeUpdate(), sql);
        }
    }

    private String create(String key, String jsonValue) {
        Api.Response r = api().post("/identify", "{\"identifiers\":{\"" + key + "\":" + jsonValue + "}}");
        assertEquals(201, r.status(), r.body());
        return r.json().path("id").asText();
    }

    private void assertOutcome(String key, String jsonValue, String first, Case c) {
        String before = Rows.footprint(workspace);
        Api.Response r = api().post("/identify", "{\"identifiers\":{\"" + key + "\":" + jsonValue + "}}");
        String what = key + "=" + jsonValue + " → " + r.body();
        switch (c.outcome()) {
            case SAME -> {
                assertEquals(200, r.status(), what);
                assertEquals(first, r.json().path("id").asText(), what);
            }
            case OTHER -> {
                assertEquals(201, r.status(), what);
                assertNotEquals(first, r.json().path("id").asText(), what);
            }
            case REFUSED -> {
                try {
                    assertProblem(r, 400, "'identifiers." + key + "'", "U+");
                } catch (AssertionError e) {
                    throw new AssertionError(what + ": " + e.getMessage(), e);
                }
                assertEquals(before, Rows.footprint(workspace), what + " wrote something");
            }
        }
    }

    private static String jsonString(String s) {
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(s).toString();
    }
}
