package io.profilehub.outbox;

import io.profilehub.destination.DestinationSettings;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one round of one destination holds: the lanes it leased, the range of each it read, and per profile the
 * changes to send, in lane order. A profile parked for this destination is not taken from the lane: its changes
 * wait behind its parked row, and go when that row is due, fetched from its first waiting change on.
 */
record RoundInput(List<DeliveryRepository.Lease> leases, Map<Integer, Long> upto, Map<String, Queue> queues,
                  List<ClaimedEvent> events, Map<Long, ClaimedEvent> byId, boolean more) {

    /** One profile's changes in this round; {@code parked} is set when they come from its parked row. */
    static final class Queue {
        final String workspaceId;
        final String profileId;
        final int lane;
        final DeliveryRepository.Parked parked;
        final List<ClaimedEvent> events = new ArrayList<>();
        /** The fetch of a parked profile stopped at its limit: changes after lastSeq still wait. */
        boolean truncated;
        long lastSeq;

        Queue(String workspaceId, String profileId, int lane, DeliveryRepository.Parked parked) {
            this.workspaceId = workspaceId;
            this.profileId = profileId;
            this.lane = lane;
            this.parked = parked;
        }

        int priorAttempts() {
            return parked == null ? 0 : parked.attempts();
        }
    }

    /** How far past its position one round looks into a lane, at most (other destinations' changes included). */
    static final long SPAN = 10_000;

    static String key(String workspaceId, String profileId) {
        return workspaceId + "/" + profileId;
    }

    static String key(ClaimedEvent e) {
        return key(e.workspaceId(), e.profileId());
    }

    static RoundInput read(Connection c, DeliveryRepository repository, DestinationSettings destination,
                           Duration lease, String owner, int lanes, int perLane, int dueLimit) throws SQLException {
        String name = destination.name();
        List<DeliveryRepository.Lease> leases = repository.lease(c, name, lanes, lease, owner);
        if (leases.isEmpty()) {
            return new RoundInput(leases, Map.of(), Map.of(), List.of(), Map.of(), false);
        }
        // A lane is read up to `span` numbers ahead, and up to `perLane` changes for this destination in them; the
        // round then ends the lane at its last change read when it read perLane of them. Both are fixed numbers, so
        // a worker that takes over a lane reads at least what the previous one may have sent.
        Map<Integer, Long> reach = new HashMap<>();
        for (DeliveryRepository.Lease l : leases) {
            reach.put(l.lane(), Math.min(l.head(), l.position() + SPAN));
        }
        List<DeliveryRepository.LoggedChange> ours = repository.read(c, leases, l -> reach.get(l.lane()), name,
                destination.workspaces(), perLane);
        Map<Integer, Integer> readPerLane = new HashMap<>();
        Map<Integer, Long> lastPerLane = new HashMap<>();
        for (DeliveryRepository.LoggedChange ch : ours) {
            readPerLane.merge(ch.event().lane(), 1, Integer::sum);
            lastPerLane.merge(ch.event().lane(), ch.event().seq(), Math::max);
        }
        Map<Integer, Long> upto = new LinkedHashMap<>();
        boolean more = leases.size() == lanes;
        for (DeliveryRepository.Lease l : leases) {
            boolean full = readPerLane.getOrDefault(l.lane(), 0) >= perLane;
            long end = full ? lastPerLane.get(l.lane()) : reach.get(l.lane());
            upto.put(l.lane(), end);
            more |= end < l.head();
        }
        Map<String, DeliveryRepository.Parked> parked = new HashMap<>();
        Set<String> profiles = new LinkedHashSet<>();
        List<String> workspaceIds = new ArrayList<>();
        List<String> profileIds = new ArrayList<>();
        for (DeliveryRepository.LoggedChange ch : ours) {
            if (profiles.add(key(ch.event()))) {
                workspaceIds.add(ch.event().workspaceId());
                profileIds.add(ch.event().profileId());
            }
        }
        repository.parkedAmong(c, name, workspaceIds, profileIds).forEach(p -> parked.put(p.key(), p));
        List<DeliveryRepository.Parked> due = repository.parkedDue(c, name, upto.keySet(), dueLimit);
        due.forEach(p -> parked.put(p.key(), p));

        Map<String, Queue> queues = new LinkedHashMap<>();
        for (DeliveryRepository.LoggedChange ch : ours) {
            String key = key(ch.event());
            if (parked.containsKey(key)) {
                continue; // waits behind its parked row
            }
            queues.computeIfAbsent(key, k -> new Queue(ch.event().workspaceId(), ch.event().profileId(),
                    ch.event().lane(), null)).events.add(ch.event());
        }
        int perProfile = Math.max(2, perLane * 2);
        List<DeliveryRepository.ParkedRange> ranges = due.stream()
                .map(p -> new DeliveryRepository.ParkedRange(p, upto.get(p.lane()))).toList();
        for (DeliveryRepository.Parked p : due) {
            queues.put(p.key(), new Queue(p.workspaceId(), p.profileId(), p.lane(), p));
        }
        Map<String, Integer> fetched = new HashMap<>();
        for (DeliveryRepository.LoggedChange ch : repository.parkedChanges(c, ranges, perProfile)) {
            Queue queue = queues.get(key(ch.event()));
            fetched.merge(key(ch.event()), 1, Integer::sum);
            queue.lastSeq = Math.max(queue.lastSeq, ch.event().seq());
            if (forUs(ch, destination)) {
                ClaimedEvent e = ch.event();
                queue.events.add(new ClaimedEvent(e.workspaceId(), e.id(), e.profileId(), e.kind(), e.payload(),
                        queue.priorAttempts(), e.createdAt(), e.lane(), e.seq(), e.version(), e.origin()));
            }
        }
        fetched.forEach((key, n) -> queues.get(key).truncated = n >= perProfile);

        List<ClaimedEvent> events = new ArrayList<>();
        Map<Long, ClaimedEvent> byId = new HashMap<>();
        for (Queue q : queues.values()) {
            q.events.removeIf(ClaimedEvent::scrubbed); // the person was erased: their erasure follows
            events.addAll(q.events);
            q.events.forEach(e -> byId.put(e.id(), e));
        }
        return new RoundInput(leases, upto, queues, events, byId, more);
    }

    private static boolean forUs(DeliveryRepository.LoggedChange ch, DestinationSettings destination) {
        if (ch.destination() != null && !ch.destination().equals(destination.name())) {
            return false;
        }
        return destination.workspaces().isEmpty() || destination.workspaces().contains(ch.event().workspaceId());
    }
}
