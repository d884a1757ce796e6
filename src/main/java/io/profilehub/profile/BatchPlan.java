package io.profilehub.profile;

import io.profilehub.suppression.Suppressions;
import io.profilehub.identity.IdentityKeys;
import io.profilehub.identity.IdentityKey;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profilehub.http.ProblemException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides, in request order, what each item of an identify request does (a single POST /identify or
 * POST /identify/{id} is a batch of one), as if the items were sent one by one: which profile
 * an identify resolves to (including profiles created by earlier items of the batch), which items fail and why, and
 * in which wave each write runs. Ownership of unique values is simulated from what the database held when the batch
 * started, so conflicts are found here and no write has to be undone.
 *
 * <p>An item's wave comes after every earlier item that writes the same profile or claims or releases one of the
 * same unique values; items of one wave are independent and can be applied by set-based statements.
 *
 * <p>Consecutive merges into one profile are composed into one step (one merge, one new version) whenever nothing
 * else of the batch has to happen between them and the composed patch means the same as the patches in turn: a
 * step per item made a batch of many updates to one profile a wave per item, each re-reading and rewriting a
 * growing document, quadratic in the batch.
 */
final class BatchPlan {

    /**
     * One item of the request: an update when id is set, else an identify. traitsOnce: traits set only where the
     * profile has none (null: none); expectedVersion: the single update's If-Match (null: any version).
     */
    record Item(int index, String id, ObjectNode identifiers, ObjectNode traits, ObjectNode traitsOnce,
                Long expectedVersion, ProblemException invalid) {
        static Item invalid(int index, ProblemException problem) {
            return new Item(index, null, null, null, null, null, problem);
        }

        Item withIndex(int newIndex) {
            return new Item(newIndex, id, identifiers, traits, traitsOnce, expectedVersion, invalid);
        }
    }

    enum Kind { CREATE, MERGE }

    /**
     * A write the batch will make, for one or more items (a merge may compose several). For a create, identifiers
     * and traits hold the document; for a merge, the patches to apply in turn (consecutive items' patches composed
     * where one patch means the same). For a merge, touched/wanted re-point the unique keys; traitsOnce fills what
     * the patches leave missing (so no later item's patch is composed into such a step); expectedVersion is the
     * item's If-Match (such a step is never composed with another).
     */
    record Step(List<Item> items, Kind kind, String profileId, List<ObjectNode> identifiers, List<ObjectNode> traits,
                ObjectNode traitsOnce, List<IdentityKey> claims, List<String> touched, List<IdentityKey> wanted,
                Long expectedVersion, int wave) {
        int status() {
            return kind == Kind.CREATE ? 201 : 200;
        }
    }

    private final List<Step> steps = new ArrayList<>();
    private final Map<Integer, ProblemException> failures = new LinkedHashMap<>();
    private final Map<Integer, List<String>> mergeable = new LinkedHashMap<>();

    List<Step> steps() {
        return steps;
    }

    Map<Integer, ProblemException> failures() {
        return failures;
    }

    /** Of the failures, the 409s a merge of these profiles would resolve (item index to profile ids). */
    Map<Integer, List<String>> mergeable() {
        return mergeable;
    }

    /**
     * The 409 of {@code failure} naming the merge that resolves it: into the oldest of the profiles (first of
     * {@code oldestFirst}), absorbing the others one request at a time.
     */
    static ProblemException withMerge(ProblemException failure, List<String> oldestFirst) {
        String survivor = oldestFirst.get(0);
        List<String> absorbed = oldestFirst.subList(1, oldestFirst.size());
        String path = "/identify/" + survivor + "/merge";
        List<String> bodies = absorbed.stream().map(a -> "{\"from\":\"" + a + "\"}").toList();
        String sentence = absorbed.size() == 1
                ? " To resolve it, merge them: POST " + path + " with " + bodies.get(0) + " keeps " + survivor
                        + " (the older) and absorbs " + absorbed.get(0) + "."
                : " To resolve it, merge all " + oldestFirst.size() + " into " + survivor + " (the oldest), one "
                        + "request per absorbed profile: POST " + path + " with " + String.join(", then with ", bodies)
                        + ".";
        Map<String, Object> extensions = new LinkedHashMap<>(failure.extensions());
        extensions.put("merge", Map.of("method", "POST", "path", path, "body", Map.of("from", absorbed.get(0))));
        return ProblemException.conflict(failure.getMessage() + sentence, extensions);
    }

    /** Every unique value and profile id the batch names: what must be read before planning. */
    static Set<IdentityKey> keysNamed(List<Item> items, IdentityKeys identityKeys) {
        Set<IdentityKey> keys = new LinkedHashSet<>();
        for (Item item : items) {
            if (item.invalid() == null) {
                keys.addAll(identityKeys.extract(item.identifiers()));
            }
        }
        return keys;
    }

    static Set<String> idsNamed(List<Item> items) {
        return items.stream().filter(i -> i.invalid() == null && i.id() != null).map(Item::id)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /**
     * {@code existing}: the profiles the items name by id, with their versions (a null version: not read, taken to
     * be any); {@code suppressed}: unique values of erased people who asked not to be re-created, with their hashes.
     */
    static BatchPlan of(List<Item> items, Map<IdentityKey, String> owners, Map<String, Long> existing,
                        Map<IdentityKey, String> suppressed, IdentityKeys identityKeys,
                        java.util.function.Supplier<String> newId) {
        return new Planner(owners, existing, suppressed, identityKeys, newId).plan(items);
    }

    static ProblemException preconditionFailed(long expected, long actual) {
        return new ProblemException(io.micronaut.http.HttpStatus.PRECONDITION_FAILED, "precondition-failed",
                "If-Match expected version " + expected + " but the user is at version " + actual
                        + "; read it again and retry.");
    }

    private static final class Planner {
        private final Map<IdentityKey, String> owners;
        private final Map<String, Map<String, String>> held = new HashMap<>(); // profile -> key name -> value
        private final Map<String, Long> existing;
        private final Map<IdentityKey, String> suppressed;
        private final IdentityKeys identityKeys;
        private final java.util.function.Supplier<String> newId;
        private final Map<Object, Integer> lastStep = new HashMap<>(); // profile id or IdentityKey -> index in steps
        private final BatchPlan plan = new BatchPlan();

        Planner(Map<IdentityKey, String> owners, Map<String, Long> existing, Map<IdentityKey, String> suppressed,
                IdentityKeys identityKeys, java.util.function.Supplier<String> newId) {
            this.suppressed = suppressed;
            this.owners = new HashMap<>(owners);
            this.existing = new HashMap<>(existing);
            this.identityKeys = identityKeys;
            this.newId = newId;
            owners.forEach((k, p) -> held.computeIfAbsent(p, x -> new HashMap<>()).put(k.name(), k.value()));
        }

        BatchPlan plan(List<Item> items) {
            for (Item item : items) {
                if (item.invalid() != null) {
                    plan.failures.put(item.index(), item.invalid());
                } else if (item.id() != null) {
                    update(item);
                } else {
                    identify(item);
                }
            }
            return plan;
        }

        private void identify(Item item) {
            List<IdentityKey> keys = identityKeys.extract(item.identifiers());
            Map<IdentityKey, String> found = new LinkedHashMap<>();
            for (IdentityKey k : keys) {
                String owner = owners.get(k);
                if (owner != null) {
                    found.put(k, owner);
                }
            }
            Set<String> profiles = new LinkedHashSet<>(found.values());
            if (profiles.size() > 1) {
                String who = found.entrySet().stream().map(e -> e.getValue() + " (" + e.getKey().name() + ")")
                        .distinct().collect(Collectors.joining(", "));
                plan.failures.put(item.index(), ProblemException.conflict("The identifiers match " + profiles.size()
                        + " different profiles: " + who + ". Nothing was changed.",
                        Map.of("profiles", List.copyOf(profiles))));
                plan.mergeable.put(item.index(), List.copyOf(profiles));
                return;
            }
            if (profiles.size() == 1) {
                merge(item, profiles.iterator().next());
                return;
            }
            List<String> hits = keys.stream().map(suppressed::get).filter(java.util.Objects::nonNull).toList();
            if (!hits.isEmpty()) {
                plan.failures.put(item.index(), Suppressions.refusal(hits));
                return;
            }
            String id = newId.get();
            existing.put(id, null);
            for (IdentityKey k : keys) {
                claim(id, k);
            }
            List<Object> deps = new ArrayList<>(keys);
            deps.add(id);
            add(new Step(List.of(item), Kind.CREATE, id, patches(item.identifiers()),
                    patches(TraitsOnce.withDefaults(item.traits(), item.traitsOnce())), null, keys, List.of(), List.of(),
                    null, 0), deps);
        }

        private void update(Item item) {
            if (!existing.containsKey(item.id())) {
                plan.failures.put(item.index(), ProfileController.notFound(item.id()));
                return;
            }
            Long version = existing.get(item.id());
            if (item.expectedVersion() != null && version != null && !version.equals(item.expectedVersion())) {
                plan.failures.put(item.index(), preconditionFailed(item.expectedVersion(), version));
                return;
            }
            merge(item, item.id());
        }

        private void merge(Item item, String id) {
            List<String> touched = identityKeys.touched(item.identifiers());
            // A merge patch replaces a top-level scalar, so the value a touched key ends with is the patch's own.
            List<IdentityKey> wanted = identityKeys.extract(item.identifiers()).stream()
                    .filter(k -> touched.contains(k.name())).toList();
            Map<IdentityKey, String> wantedOwners = new LinkedHashMap<>();
            for (IdentityKey k : wanted) {
                String owner = owners.get(k);
                if (owner != null) {
                    wantedOwners.put(k, owner);
                }
            }
            String taken = wantedOwners.entrySet().stream().filter(e -> !e.getValue().equals(id))
                    .map(e -> e.getKey().name() + " is already used by " + e.getValue())
                    .collect(Collectors.joining("; "));
            List<String> hits = wanted.stream().map(suppressed::get).filter(java.util.Objects::nonNull).toList();
            if (!hits.isEmpty()) {
                plan.failures.put(item.index(), Suppressions.refusal(hits));
                return;
            }
            if (!taken.isEmpty()) {
                List<String> others = wantedOwners.values().stream().distinct().toList();
                plan.failures.put(item.index(), ProblemException.conflict("This change would give " + id
                        + " a unique identifier another profile holds: " + taken + ". Nothing was changed.",
                        Map.of("profiles", others)));
                List<String> involved = new ArrayList<>(List.of(id));
                others.stream().filter(o -> !o.equals(id)).forEach(involved::add);
                plan.mergeable.put(item.index(), involved);
                return;
            }
            List<Object> deps = new ArrayList<>();
            deps.add(id);
            Map<String, String> holds = held.computeIfAbsent(id, x -> new HashMap<>());
            for (String name : touched) {
                String old = holds.get(name);
                IdentityKey now = wanted.stream().filter(k -> k.name().equals(name)).findFirst().orElse(null);
                if (old != null && (now == null || !now.value().equals(old))) {
                    IdentityKey released = new IdentityKey(name, old);
                    owners.remove(released);
                    holds.remove(name);
                    deps.add(released);
                }
                if (now != null) {
                    claim(id, now);
                    deps.add(now);
                }
            }
            Step step = new Step(List.of(item), Kind.MERGE, id, patches(item.identifiers()), patches(item.traits()),
                    item.traitsOnce(), List.of(), touched, wanted, item.expectedVersion(), 0);
            Integer previous = lastStep.get(id);
            if (previous != null && item.expectedVersion() == null && foldable(previous, deps)) {
                plan.steps.set(previous, compose(plan.steps.get(previous), step));
                deps.forEach(d -> lastStep.put(d, previous));
                return;
            }
            add(step, deps);
        }

        /** The merge may join step {@code previous} when nothing after that step's wave touches what it touches. */
        private boolean foldable(int previous, List<Object> deps) {
            Step before = plan.steps.get(previous);
            if (before.kind() != Kind.MERGE || before.expectedVersion() != null || before.traitsOnce() != null) {
                return false;
            }
            for (Object d : deps) {
                Integer last = lastStep.get(d);
                if (last != null && last != previous && plan.steps.get(last).wave() >= before.wave()) {
                    return false;
                }
            }
            return true;
        }

        /** b after a as one step; a's patch lists are this planner's own and grow in place. */
        private static Step compose(Step a, Step b) {
            List<ObjectNode> identifiers = a.identifiers();
            b.identifiers().forEach(p -> MergePatches.append(identifiers, p));
            List<ObjectNode> traits = a.traits();
            b.traits().forEach(p -> MergePatches.append(traits, p));
            List<Item> items = new ArrayList<>(a.items());
            items.addAll(b.items());
            List<String> touched = new ArrayList<>(a.touched());
            b.touched().stream().filter(n -> !touched.contains(n)).forEach(touched::add);
            // A later patch that touches a key decides its value; the earlier one decides the others.
            List<IdentityKey> wanted = new ArrayList<>(a.wanted().stream()
                    .filter(k -> !b.touched().contains(k.name())).toList());
            wanted.addAll(b.wanted());
            return new Step(List.copyOf(items), Kind.MERGE, a.profileId(), identifiers, traits, b.traitsOnce(),
                    List.of(), List.copyOf(touched), List.copyOf(wanted), null, a.wave());
        }

        private void claim(String id, IdentityKey k) {
            owners.put(k, id);
            held.computeIfAbsent(id, x -> new HashMap<>()).put(k.name(), k.value());
        }

        /** A patch (or document) as a list this planner owns. */
        private static List<ObjectNode> patches(ObjectNode patch) {
            List<ObjectNode> list = new ArrayList<>(1);
            if (patch != null && !patch.isEmpty()) {
                list.add(patch.deepCopy());
            }
            return list;
        }

        private void add(Step step, List<Object> deps) {
            int wave = 1;
            for (Object d : deps) {
                Integer last = lastStep.get(d);
                if (last != null) {
                    wave = Math.max(wave, plan.steps.get(last).wave() + 1);
                }
            }
            int index = plan.steps.size();
            plan.steps.add(new Step(step.items(), step.kind(), step.profileId(), step.identifiers(), step.traits(),
                    step.traitsOnce(), step.claims(), step.touched(), step.wanted(), step.expectedVersion(), wave));
            for (Object d : deps) {
                lastStep.put(d, index);
            }
        }
    }
}
