package io.profilehub.destination.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.destination.Connector;
import io.profilehub.destination.Delivery;
import io.profilehub.destination.Outcome;
import io.profilehub.destination.VendorClient;
import io.profilehub.destination.VendorHttp;
import io.profilehub.http.JsonInput;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The common frame of the vendor connectors: erasures go to {@link #erase} together, upserts are resolved into
 * {@link ProfileChange}s and the ready ones go to {@link #deliver} together, and the outcomes are put back in the
 * order the engine gave. It also holds what every vendor request needs: the destination's {@link VendorClient}, the
 * secrets to blank out of answers, and the step from a JSON body to an outcome ({@link #post}).
 */
public abstract class ChangeConnector implements Connector {
    private final ProfileChanges changes;
    private final String emailKey;
    private final VendorClient client;
    private final String[] secrets;

    /**
     * {@code emailKey}: the identifier holding the email when the vendor needs it to find a user, else null;
     * {@code secrets}: what we send that must never be kept from an answer (the token, as it appears in requests).
     */
    protected ChangeConnector(ProfileChanges changes, String emailKey, VendorClient client, String... secrets) {
        this.changes = changes;
        this.emailKey = emailKey;
        this.client = client;
        this.secrets = secrets.clone();
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
        Outcomes outcomes = new Outcomes(deliveries.size());
        Outcomes.Batch<Delivery> erasures = outcomes.batch();
        Outcomes.Batch<Delivery> upserts = outcomes.batch();
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery d = deliveries.get(i);
            (d.isDelete() ? erasures : upserts).add(i, d);
        }
        if (!erasures.isEmpty()) {
            erasures.settle(0, erase(erasures.items()));
        }
        List<ProfileChanges.Resolved> resolved = changes.resolve(upserts.items());
        Outcomes.Batch<ProfileChange> ready = outcomes.batch();
        for (int i = 0; i < resolved.size(); i++) {
            ProfileChanges.Resolved r = resolved.get(i);
            if (r.outcome() != null) {
                outcomes.settle(upserts.place(i), r.outcome());
            } else {
                ready.add(upserts.place(i), r.change());
            }
        }
        if (!ready.isEmpty()) {
            ready.settle(0, deliver(ready.items()));
        }
        return outcomes.list();
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

    /**
     * The erasures a request must reach wait in the batch returned; those of profiles that never had a vendor user
     * id are settled as {@link #neverSent()}.
     */
    protected static Outcomes.Batch<Delivery> located(List<Delivery> erasures, Outcomes outcomes) {
        Outcomes.Batch<Delivery> located = outcomes.batch();
        for (int i = 0; i < erasures.size(); i++) {
            if (locatedUserId(erasures.get(i)) == null) {
                outcomes.settle(i, neverSent());
            } else {
                located.add(i, erasures.get(i));
            }
        }
        return located;
    }

    /**
     * The changes as the vendor's JSON: those the mapping refuses or finds nothing to send for are settled at once,
     * the others wait in the batch returned.
     */
    protected static Outcomes.Batch<ObjectNode> mapped(List<ProfileChange> changes, Function<ProfileChange, Mapped> mapping,
                                                       Outcomes outcomes) {
        Outcomes.Batch<ObjectNode> sendable = outcomes.batch();
        for (int i = 0; i < changes.size(); i++) {
            Mapped mapped = mapping.apply(changes.get(i));
            if (mapped.sendable()) {
                sendable.add(i, mapped.json());
            } else {
                outcomes.settle(i, mapped.outcome());
            }
        }
        return sendable;
    }

    /** An outcome the vendor delivered, restated as the erasure's result word and note; any other as it is. */
    protected static Outcome erasure(Outcome outcome, String result, String note) {
        return outcome.kind() == Outcome.Kind.DELIVERED ? Outcome.delivered(outcome.status(), result, note) : outcome;
    }

    /** Serialises {@code json} and posts it; a body that cannot be written is refused without sending. */
    protected final Outcome post(URI uri, Map<String, String> headers, Object json) {
        byte[] body = serialise(json);
        return body == null ? unwritable() : client.send(uri, headers, body, secrets);
    }

    /** Posts bytes already serialised, reading the answer with {@code reading} (network failures still retry). */
    protected final Outcome post(URI uri, Map<String, String> headers, byte[] body,
                                 Function<VendorHttp.Answer, Outcome> reading) {
        return client.exchange(uri, headers, body, reading);
    }

    /** What the vendor said, shortened, with our secrets blanked out. */
    protected final String excerpt(String answer) {
        return VendorHttp.excerpt(answer, secrets);
    }

    /** The standard reading of an answer (see {@link io.profilehub.destination.VendorHttp#classify}). */
    protected final Outcome classify(VendorHttp.Answer answer) {
        return VendorHttp.classify(answer, secrets);
    }

    /** The JSON bytes of a request body, or null when it cannot be written (answer {@link #unwritable()}). */
    protected static byte[] serialise(Object json) {
        try {
            return JsonInput.MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    protected static Outcome unwritable() {
        return ProfileChanges.refused("the change cannot be written as JSON");
    }
}
