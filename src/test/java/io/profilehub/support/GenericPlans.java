package io.profilehub.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The plan PostgreSQL keeps for a statement once it uses a generic plan (what {@code plan_cache_mode =
 * force_generic_plan}, or a pooled connection's sixth execution, gives): the plan that a write then runs whatever
 * the values bound, and whatever the table held when it was made. PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN), so
 * the statement is PREPAREd with the parameter types the server infers for it, and EXPLAIN EXECUTE with null values
 * prints the generic plan without running it.
 */
public final class GenericPlans {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GenericPlans() {
    }

    /** One scan that reads a table without a bound on what it reads beyond the workspace or the destination. */
    public record Unbounded(String table, String node, String condition) {
    }

    /** The generic plan of a JDBC statement (with {@code ?} parameters and {@code ??} for the {@code ?} operator). */
    public static JsonNode of(Connection c, String jdbcSql) throws SQLException {
        List<String> types = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(jdbcSql)) {
            ParameterMetaData md = ps.getParameterMetaData();
            for (int i = 1; i <= md.getParameterCount(); i++) {
                types.add(md.getParameterTypeName(i));
            }
        }
        StringJoiner nulls = new StringJoiner(", ", "(", ")");
        types.forEach(t -> nulls.add("null"));
        try (Statement s = c.createStatement()) {
            s.execute("deallocate all");
            s.execute("set plan_cache_mode = force_generic_plan");
            s.execute("prepare hot" + (types.isEmpty() ? "" : "(" + String.join(", ", types) + ")")
                    + " as " + dollarParameters(jdbcSql));
            try (ResultSet rs = s.executeQuery("explain (format json) execute hot" + (types.isEmpty() ? "" : nulls))) {
                rs.next();
                return JSON.readTree(rs.getString(1)).get(0).get("Plan");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            } finally {
                s.execute("deallocate all");
                s.execute("reset plan_cache_mode");
            }
        }
    }

    /**
     * The scans of the given tables (or their partitions, named table_…) that are bounded by nothing but columns
     * that every row of a workspace or destination shares: a Seq Scan, or an index scan whose condition names only
     * those columns. Such a scan costs in proportion to the workspace, not to the rows the statement is about.
     */
    public static List<Unbounded> unboundedScans(JsonNode plan, Set<String> tables, Set<String> sharedColumns) {
        List<Unbounded> found = new ArrayList<>();
        walk(plan, tables, sharedColumns, found);
        return found;
    }

    private static void walk(JsonNode node, Set<String> tables, Set<String> shared, List<Unbounded> found) {
        String relation = node.path("Relation Name").asText(null);
        String type = node.path("Node Type").asText();
        if (relation != null && type.endsWith("Scan") && watched(relation, tables)) {
            // A bitmap scan's heap node names the table and repeats its index's condition as Recheck Cond.
            String condition = node.path("Index Cond").asText(node.path("Recheck Cond").asText(""));
            if (type.equals("Seq Scan") || !boundedBeyond(condition, shared)) {
                found.add(new Unbounded(relation, type, condition));
            }
        }
        for (JsonNode child : node.path("Plans")) {
            walk(child, tables, shared, found);
        }
    }

    /**
     * For each named statement whose generic plan has an unbounded scan of the given tables: its name, the scans
     * and its plan. Empty when every statement looks its rows up by what identifies them.
     */
    public static String unboundedIn(Connection c, Map<String, String> statements, Set<String> tables,
                                     Set<String> sharedColumns) throws SQLException {
        StringBuilder failures = new StringBuilder();
        for (Map.Entry<String, String> statement : new TreeMap<>(statements).entrySet()) {
            JsonNode plan = of(c, statement.getValue());
            List<Unbounded> scans = unboundedScans(plan, tables, sharedColumns);
            if (!scans.isEmpty()) {
                failures.append(statement.getKey()).append(" reads more than its rows: ").append(scans)
                        .append('\n').append(describe(plan));
            }
        }
        return failures.toString();
    }

    /** The plan as EXPLAIN's text shows it, one node a line: node, relation, condition. */
    public static String describe(JsonNode plan) {
        StringBuilder out = new StringBuilder();
        describe(plan, 0, out);
        return out.toString();
    }

    private static void describe(JsonNode node, int depth, StringBuilder out) {
        out.append("  ".repeat(depth)).append("-> ").append(node.path("Node Type").asText());
        if (node.has("Relation Name")) {
            out.append(" on ").append(node.get("Relation Name").asText());
        }
        if (node.has("Index Name")) {
            out.append(" using ").append(node.get("Index Name").asText());
        }
        for (String condition : List.of("Index Cond", "Recheck Cond", "Hash Cond", "Filter")) {
            if (node.has(condition)) {
                out.append("  ").append(condition).append(": ").append(node.get(condition).asText());
            }
        }
        out.append('\n');
        for (JsonNode child : node.path("Plans")) {
            describe(child, depth + 1, out);
        }
    }

    private static boolean watched(String relation, Set<String> tables) {
        return tables.stream().anyMatch(t -> relation.equals(t) || relation.startsWith(t + "_"));
    }

    /** True when the condition compares some column other than the shared ones (a key, an id, a lane). */
    static boolean boundedBeyond(String condition, Set<String> shared) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(?([a-z_]+\\.)?([a-z_]+) (=|>|<|>=|<=) ")
                .matcher(condition);
        while (m.find()) {
            if (!shared.contains(m.group(2))) {
                return true;
            }
        }
        return false;
    }

    /** JDBC's {@code ?} parameters as PostgreSQL's {@code $n}; {@code ??} is the {@code ?} operator. */
    static String dollarParameters(String jdbcSql) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (int i = 0; i < jdbcSql.length(); i++) {
            char ch = jdbcSql.charAt(i);
            if (ch == '?' && i + 1 < jdbcSql.length() && jdbcSql.charAt(i + 1) == '?') {
                out.append('?');
                i++;
            } else if (ch == '?') {
                out.append('$').append(++n);
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }
}
