package io.profilehub.destination.mapping;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.Outcome;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The common frame of the vendor connectors: erasures go to {@link #erase} together, upserts are resolved into
 * {@link ProfileChange}s and the ready ones go to {@link #deliver} together, and the outcomes are put back in the
 * order the engine gave.
 */
public abstract class ChangeConnector implements Connector {
    private final ProfileChanges changes;
    private final String emailKey;

    /** {@code emailKey}: the identifier holding the email when the vendor needs it to find a user, else null. */
    protected ChangeConnector(ProfileChanges changes, String emailKey) {
        this.changes = changes;
        this.emailKey = emailKey;
    }

    /** The vendor's user id and, where the vendor needs it, the email: kept sealed until the erasure is sent. */
    @Override
    public Map<String, String> erasureLocator(String profileId, ObjectNode identifiers) {
        Map<String, String> locator = new LinkedHashMap<>();
        String userId = changes.vendorUserId(profileId, identifiers);
        if (userId != null) {
            locator.put(USER_ID, userId);
        }
        String email = emailKey == null ? null : ProfileChanges.scalarText(identifiers.get(emailKey));
        if (email != null) {
            locator.put(EMAIL, email);
        }
        return locator;
    }

    @Override
    public final List<Outcome> send(List<Delivery> deliveries) {
        Outcome[] outcomes = new Outcome[deliveries.size()];
        List<Delivery> upserts = new ArrayList<>();
        List<Integer> upsertAt = new ArrayList<>();
        List<Delivery> erasures = new ArrayList<>();
        List<Integer> erasureAt = new ArrayList<>();
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery d = deliveries.get(i);
            if (d.isDelete()) {
                erasures.add(d);
                erasureAt.add(i);
            } else {
                upserts.add(d);
                upsertAt.add(i);
            }
        }
        if (!erasures.isEmpty()) {
            List<Outcome> erased = erase(erasures);
            for (int i = 0; i < erasures.size(); i++) {
                outcomes[erasureAt.get(i)] = erased.get(i);
            }
        }
        List<ProfileChanges.Resolved> resolved = changes.resolve(upserts);
        List<ProfileChange> ready = new ArrayList<>();
        List<Integer> readyAt = new ArrayList<>();
        for (int i = 0; i < resolved.size(); i++) {
            ProfileChanges.Resolved r = resolved.get(i);
            if (r.outcome() != null) {
                outcomes[upsertAt.get(i)] = r.outcome();
            } else {
                ready.add(r.change());
                readyAt.add(upsertAt.get(i));
            }
        }
        if (!ready.isEmpty()) {
            List<Outcome> sent = deliver(ready);
            for (int i = 0; i < ready.size(); i++) {
                outcomes[readyAt.get(i)] = sent.get(i);
            }
        }
        return Arrays.asList(outcomes);
    }

    static final String USER_ID = "userId";
    static final String EMAIL = "email";

    /** Sends the changes; one outcome per change, in order. Never throws for I/O. */
    protected abstract List<Outcome> deliver(List<ProfileChange> changes);

    /**
     * Erases the users of these deliveries at the vendor; one outcome per delivery, in order, delivered with the
     * result word "erased", "scrubbed" or "unsupported". Each delivery carries its unsealed {@code locator}.
     */
    protected abstract List<Outcome> erase(List<Delivery> erasures);

    /** The vendor user id an erasure must reach, or null when the profile never had one. */
    protected static String locatedUserId(Delivery erasure) {
        return ProfileChanges.scalarText(erasure.event().path("locator").get(USER_ID));
    }

    protected static String locatedEmail(Delivery erasure) {
        return ProfileChanges.scalarText(erasure.event().path("locator").get(EMAIL));
    }

    /** An erasure whose profile had no vendor user id: the vendor never received this user from us. */
    protected static Outcome neverSent() {
        return Outcome.delivered(0, "erased", "nothing to erase: the profile had no vendor user id, so it was never sent");
    }
}
