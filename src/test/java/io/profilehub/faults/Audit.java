package io.profilehub.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.profilehub.support.Awaits;
import io.profilehub.support.Api;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What the database holds and what the vendors received, checked against what the service acknowledged. */
final class Audit {
    private final String url;
    private final String username;
    private final String password;
    private final String workspace;

    Audit(String url, String username, String password, String workspace) {
        this.url = url;
        this.username = username;
        this.password = password;
        this.workspace = workspace;
    }

    /*
     * The change log serves every destination with cursors in the database: on a database shared with other test
     * classes, destinations they configured (and no longer run) would count the workspace's changes as waiting.
     */
    private String status = "profilehub.delivery_status";

    /** Only these destinations count (for a database other test classes share). */
    Audit only(List<String> destinations) {
        StringBuilder names = new StringBuilder();
        for (String d : destinations) {
            if (!d.matches("[a-z0-9-]+")) {
                throw new IllegalArgumentException(d);
            }
            names.append(names.length() == 0 ? "" : ", ").append('\'').append(d).append('\'');
        }
        status = "(select * from profilehub.delivery_status where destination in (" + names + "))";
        return this;
    }

    private PreparedStatement prepare(Connection c, String sql) throws SQLException {
        String aliased = status.startsWith("(") ? status + " scoped" : status; // a subquery in FROM needs a name
        return c.prepareStatement(sql.replaceAll("__STATUS__(\\s+s\\s)", status + "$1").replace("__STATUS__", aliased));
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, username, password);
    }

    /**
     * Whether a request may be one the engine never got to record: sent by a process killed before it settled the
     * attempt, or settled while the database was cut off. Every other request is an attempt the outbox counted.
     */
    interface Unrecorded {
        boolean possible(VendorFake.Received request, int step);
    }

    /**
     * What one vendor got: requests, accepted ones, steps it accepted more than once, and requests the engine had no
     * record of (all of them allowed by {@link Unrecorded}).
     */
    record VendorReport(String vendor, long requests, long accepted, long repeatedSteps, long unrecordedSends) {
    }

    /**
     * Checks one vendor's log against the acknowledged steps and the outbox's own count of failed attempts:
     * <ul>
     * <li>every acknowledged step of every profile arrived in an accepted request;</li>
     * <li>order: each request carries a contiguous run of steps and names the last as its version; an accepted one
     * never skips a step and never goes back behind the latest step the vendor already accepted (no older version
     * after a newer one, so a repeat is of the same or a later version);</li>
     * <li>accounting: a step was sent at most once more than the failed attempts recorded on its event (the one
     * success), so every repeat the vendor saw is an attempt the engine knew had failed for it (a timeout after the
     * vendor took it), except where {@code unrecorded} allows a send the engine could not record.</li>
     * </ul>
     */
    static VendorReport checkVendor(VendorFake vendor, Map<String, Integer> lastStepById, Map<String, Integer> attempts,
                                    Unrecorded unrecorded) {
        List<String> problems = new ArrayList<>();
        Map<String, List<VendorFake.Received>> byProfile = vendor.byProfile();
        long accepted = 0;
        long repeatedSteps = 0;
        long unrecordedSends = 0;
        for (Map.Entry<String, Integer> expected : lastStepById.entrySet()) {
            String id = expected.getKey();
            int last = expected.getValue();
            List<VendorFake.Received> requests = byProfile.getOrDefault(id, List.of());
            Map<Integer, Integer> acceptedCopies = new HashMap<>();
            Map<Integer, Integer> sent = new HashMap<>();
            Map<Integer, Integer> allowance = new HashMap<>();
            int latest = 0;
            for (VendorFake.Received r : requests) {
                List<Integer> steps = r.steps();
                if (steps.isEmpty() || steps.size() != r.last() - r.first() + 1 || r.version() != r.last()) {
                    problems.add(id + ": request #" + r.seq() + " is not one contiguous run of steps ending at its "
                            + "version " + r.version() + ": " + steps + history(requests));
                    continue;
                }
                for (int step : steps) {
                    sent.merge(step, 1, Integer::sum);
                    if (unrecorded.possible(r, step)) {
                        allowance.merge(step, 1, Integer::sum);
                    }
                }
                if (!r.accepted()) {
                    continue;
                }
                accepted++;
                if (r.last() < latest) {
                    problems.add(id + ": request #" + r.seq() + " brought version " + r.version()
                            + " after version " + latest + " had been accepted" + history(requests));
                }
                if (r.first() > latest + 1) {
                    problems.add(id + ": request #" + r.seq() + " starts at step " + r.first() + " but step "
                            + (latest + 1) + " had not been accepted yet" + history(requests));
                }
                for (int step : steps) {
                    if (acceptedCopies.merge(step, 1, Integer::sum) > 1) {
                        repeatedSteps++;
                    }
                }
                latest = Math.max(latest, r.last());
            }
            for (int step = 1; step <= last; step++) {
                if (!acceptedCopies.containsKey(step)) {
                    problems.add(id + ": acknowledged step " + step + " of " + last + " never reached " + vendor.name()
                            + history(requests));
                    break;
                }
            }
            if (latest > last) {
                problems.add(id + ": " + vendor.name() + " received step " + latest + " but only " + last
                        + " were acknowledged");
            }
            for (Map.Entry<Integer, Integer> s : sent.entrySet()) {
                Integer failed = attempts.get(key(vendor.name(), id, s.getKey()));
                if (failed == null) {
                    problems.add(id + ": step " + s.getKey() + " reached " + vendor.name() + " but has no event");
                    continue;
                }
                int unaccounted = s.getValue() - (failed + 1);
                if (unaccounted > allowance.getOrDefault(s.getKey(), 0)) {
                    problems.add(id + ": step " + s.getKey() + " was sent " + s.getValue() + " times, but its event "
                            + "records " + failed + " failed attempts and one success" + history(requests));
                }
                unrecordedSends += Math.max(0, unaccounted);
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(vendor.name() + ": " + problems.size() + " problems, first ones:\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(10, problems.size()))));
        }
        return new VendorReport(vendor.name(), vendor.count(), accepted, repeatedSteps, unrecordedSends);
    }

    /** What a Kafka topic held: records, steps carried more than once, and the most steps one record carried. */
    record KafkaReport(long records, long repeatedSteps, int longestRun) {
    }

    /**
     * Checks a Kafka destination's topic, read from its beginning, against the acknowledged steps: per profile (its
     * records in partition order, which is the order a consumer sees), each record carries a contiguous run of steps
     * (traits v1..vN) ending at its version; none brings an older version than one before it, none skips a step,
     * and every acknowledged step arrived. A step may come twice only where at-least-once allows it: a record the
     * broker took from an instance that was killed before it settled the round ({@code held}, its events in flight),
     * sent again by the instance that took over its lanes.
     */
    static KafkaReport checkKafka(String destination, List<org.apache.kafka.clients.consumer.ConsumerRecord<String,
            byte[]>> records, Map<String, Integer> lastStepById, Set<String> held) {
        List<String> problems = new ArrayList<>();
        Map<String, List<JsonNode>> byProfile = new HashMap<>();
        for (var r : records) {
            String id = r.key().substring(r.key().indexOf(':') + 1);
            byProfile.computeIfAbsent(id, k -> new ArrayList<>())
                    .add(Api.json(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        long repeated = 0;
        int longest = 0;
        for (Map.Entry<String, Integer> expected : lastStepById.entrySet()) {
            String id = expected.getKey();
            int latest = 0;
            List<String> seen = new ArrayList<>();
            for (JsonNode event : byProfile.getOrDefault(id, List.of())) {
                List<Integer> steps = new ArrayList<>();
                event.path("traits").fieldNames().forEachRemaining(n -> {
                    if (n.matches("v\\d+")) {
                        steps.add(Integer.parseInt(n.substring(1)));
                    }
                });
                steps.sort(Integer::compare);
                int version = event.path("version").asInt();
                seen.add(steps + "->v" + version);
                longest = Math.max(longest, steps.size());
                if (steps.isEmpty() || steps.get(steps.size() - 1) - steps.get(0) + 1 != steps.size()
                        || steps.get(steps.size() - 1) != version) {
                    problems.add(id + ": a record is not one contiguous run of steps ending at its version: " + seen);
                    continue;
                }
                if (version < latest) {
                    problems.add(id + ": version " + version + " after version " + latest + ": " + seen);
                }
                if (steps.get(0) > latest + 1) {
                    problems.add(id + ": a record starts at step " + steps.get(0) + " but step " + (latest + 1)
                            + " never came: " + seen);
                }
                for (int step = steps.get(0); step <= Math.min(latest, version); step++) {
                    repeated++;
                    if (!held.contains(key(destination, id, step))) {
                        problems.add(id + ": step " + step + " came twice, but no killed instance held it: " + seen);
                    }
                }
                latest = Math.max(latest, version);
            }
            if (latest != expected.getValue()) {
                problems.add(id + ": the topic's last version is " + latest + ", the last acknowledged step "
                        + expected.getValue() + ": " + seen);
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(destination + ": " + problems.size() + " problems, first ones:\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(10, problems.size()))));
        }
        return new KafkaReport(records.size(), repeated, longest);
    }

    private static String history(List<VendorFake.Received> requests) {
        StringBuilder b = new StringBuilder("; all its requests:");
        for (VendorFake.Received r : requests) {
            b.append("\n      #").append(r.seq()).append(' ').append(time(r.atMillis())).append(' ').append(r.via())
                    .append(" steps ")
                    .append(r.steps()).append(" -> ").append(r.status()).append(' ').append(r.fault());
        }
        return b.toString();
    }

    /**
     * Every acknowledged step is in the database: each profile's version is its last acknowledged step and its
     * traits hold v1..vN; each destination has exactly one event per version, all delivered.
     */
    void checkDatabase(Map<String, Integer> lastStepById, List<String> destinations) throws SQLException {
        List<String> problems = new ArrayList<>();
        Map<String, JsonNode> traits = new HashMap<>();
        Map<String, Long> versions = new HashMap<>();
        Map<String, Map<String, List<Long>>> events = new HashMap<>();
        Map<String, Long> statuses = new TreeMap<>();
        try (Connection c = connect()) {
            try (PreparedStatement ps = prepare(c, 
                    "select id, version, traits::text from profilehub.profiles where workspace_id = ?")) {
                ps.setString(1, workspace);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        versions.put(rs.getString(1), rs.getLong(2));
                        traits.put(rs.getString(1), Api.json(rs.getString(3)));
                    }
                }
            }
            try (PreparedStatement ps = prepare(c, """
                    select destination, profile_id, profile_version, status from __STATUS__
                     where workspace_id = ? order by id""")) {
                ps.setString(1, workspace);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        statuses.merge(rs.getString(4), 1L, Long::sum);
                        if (rs.getString(4).equals("delivered")) {
                            events.computeIfAbsent(rs.getString(1), k -> new HashMap<>())
                                    .computeIfAbsent(rs.getString(2), k -> new ArrayList<>()).add(rs.getLong(3));
                        } else {
                            problems.add("event of " + rs.getString(2) + " v" + rs.getLong(3) + " for "
                                    + rs.getString(1) + " is " + rs.getString(4));
                        }
                    }
                }
            }
        }
        for (Map.Entry<String, Integer> expected : lastStepById.entrySet()) {
            String id = expected.getKey();
            int last = expected.getValue();
            if (!versions.containsKey(id)) {
                problems.add(id + ": acknowledged but not in the database");
                continue;
            }
            if (versions.get(id) != last) {
                problems.add(id + ": version " + versions.get(id) + ", last acknowledged step " + last);
            }
            for (int step = 1; step <= last; step++) {
                if (traits.get(id).path("v" + step).asInt() != step) {
                    problems.add(id + ": acknowledged step " + step + " is missing from its traits");
                }
            }
            for (String destination : destinations) {
                List<Long> delivered = events.getOrDefault(destination, Map.of()).getOrDefault(id, List.of());
                List<Long> wanted = new ArrayList<>();
                for (long v = 1; v <= last; v++) {
                    wanted.add(v);
                }
                if (!delivered.equals(wanted)) {
                    problems.add(id + ": delivered events for " + destination + " are versions " + delivered
                            + ", wanted 1.." + last);
                }
            }
        }
        if (versions.size() != lastStepById.size()) {
            Set<String> extra = new HashSet<>(versions.keySet());
            extra.removeAll(lastStepById.keySet());
            problems.add("profiles nobody asked for: " + extra);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " problems in the database (events " + statuses
                    + "), first ones:\n  " + String.join("\n  ", problems.subList(0, Math.min(20, problems.size()))));
        }
    }

    /** Events of the workspace still to deliver (pending or in flight). */
    long undelivered() {
        try (Connection c = connect(); PreparedStatement ps = prepare(c, """
                select count(*) from __STATUS__
                 where workspace_id = ? and status in ('pending', 'in_flight')""")) {
            ps.setString(1, workspace);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            return Long.MAX_VALUE; // the database may be cut off on purpose; ask again
        }
    }

    long events() throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = prepare(c, 
                "select count(*) from __STATUS__ where workspace_id = ?")) {
            ps.setString(1, workspace);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Waits until every event of the workspace is settled; returns how long that took. */
    Duration awaitDrained(Duration timeout) {
        long start = System.nanoTime();
        Awaits.until(timeout, () -> undelivered() == 0, this::waiting);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** What is still waiting, for the message of a drain that did not finish. */
    String waiting() {
        try (Connection c = connect(); PreparedStatement ps = prepare(c, """
                select s.destination || ' ' || s.status || ' ' || count(*) || ' changes in '
                       || count(distinct s.lane) || ' lanes, '
                       || count(*) filter (where p.profile_id is not null) || ' of parked profiles (next due '
                       || coalesce(min(p.available_at)::text, '-') || '); leases: '
                       || coalesce(string_agg(distinct coalesce(c.lease_owner, '-') || ' until '
                                   || coalesce(c.lease_until::text, '-'), ', '), '-')
                  from __STATUS__ s
                  join profilehub.delivery_cursors c on c.destination = s.destination and c.lane = s.lane
                  left join profilehub.delivery_parked p
                    on p.destination = s.destination and p.workspace_id = s.workspace_id
                   and p.profile_id = s.profile_id
                 where s.workspace_id = ? and s.status in ('pending', 'in_flight')
                 group by s.destination, s.status""")) {
            ps.setString(1, workspace);
            StringBuilder out = new StringBuilder("still waiting at " + java.time.Instant.now() + ":");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.append("\n  ").append(rs.getString(1));
                }
            }
            return out.toString();
        } catch (SQLException e) {
            return "still waiting (" + e.getMessage() + ")";
        }
    }

    /**
     * Events a crashed instance held in flight (claimed, not settled) as (destination, profile id, version): the
     * only ones at-least-once delivery may send twice. The change log has no per-event claim: an instance holds the
     * lanes whose cursor it leased, and with them their unsettled changes past the cursor's position, and the
     * changes of profiles parked in those lanes that were due while it held the lease (a round reads those too).
     * A round reads at most {@code window} changes past a lane's position (ClaimLoop.perLane: with batch-size 5 and
     * connectors that send one change per request, 8), so nothing further was read; the position has not moved while
     * the lease is held.
     */
    Set<String> inFlightOf(String instanceId) throws SQLException {
        return inFlightOf(instanceId, Integer.MAX_VALUE);
    }

    Set<String> inFlightOf(String instanceId, int window) throws SQLException {
        Set<String> held = new HashSet<>();
        try (Connection c = connect(); PreparedStatement ps = prepare(c, """
                select s.destination, s.profile_id, s.profile_version
                  from __STATUS__ s
                  join profilehub.delivery_cursors c on c.destination = s.destination and c.lane = s.lane
                  left join profilehub.delivery_parked p
                    on p.destination = s.destination and p.workspace_id = s.workspace_id
                   and p.profile_id = s.profile_id
                 where s.workspace_id = ? and c.lease_owner like ? and s.status in ('pending', 'in_flight')
                   and s.seq <= c.position + ?
                   and case when p.profile_id is null then s.seq > c.position
                            else s.seq >= p.from_seq and p.available_at <= c.lease_until end""")) {
            ps.setString(1, workspace);
            ps.setString(2, instanceId + ":%");
            ps.setLong(3, window);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    held.add(key(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return held;
    }

    /**
     * Failed attempts recorded on each event of the workspace, by (destination, profile id, version): a delivered
     * event's attempts include the one that delivered it.
     */
    Map<String, Integer> attempts() throws SQLException {
        Map<String, Integer> attempts = new HashMap<>();
        try (Connection c = connect(); PreparedStatement ps = prepare(c, """
                select destination, profile_id, profile_version, failed_attempts
                  from __STATUS__
                 where workspace_id = ?""")) {
            ps.setString(1, workspace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    attempts.put(key(rs.getString(1), rs.getString(2), rs.getLong(3)), rs.getInt(4));
                }
            }
        }
        return attempts;
    }

    /** Instance ids currently holding events in flight (a live lease on a lane with in-flight changes). */
    Set<String> instancesInFlight() throws SQLException {
        Set<String> owners = new HashSet<>();
        try (Connection c = connect(); PreparedStatement ps = prepare(c, """
                select distinct split_part(c.lease_owner, ':', 1)
                  from profilehub.delivery_cursors c
                 where c.lease_owner is not null
                   and exists (select 1 from __STATUS__ s
                                where s.destination = c.destination and s.lane = c.lane and s.workspace_id = ?
                                  and s.status = 'in_flight')""")) {
            ps.setString(1, workspace);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    owners.add(rs.getString(1));
                }
            }
        }
        return owners;
    }

    /** Waits until the database has no session left with this application_name (a killed process's are gone). */
    void awaitSessionsGone(String applicationName, Duration timeout) {
        Awaits.until(timeout, () -> {
            try (Connection c = connect(); PreparedStatement ps = prepare(c, 
                    "select count(*) from pg_stat_activity where datname = current_database() and application_name = ?")) {
                ps.setString(1, applicationName);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) == 0;
                }
            } catch (SQLException e) {
                return false;
            }
        });
    }

    static String time(long epochMillis) {
        return java.time.LocalTime.ofInstant(java.time.Instant.ofEpochMilli(epochMillis), java.time.ZoneId.systemDefault())
                .toString();
    }

    static String key(String destination, String profileId, long version) {
        return destination + "/" + profileId + "/" + version;
    }
}
