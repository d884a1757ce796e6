package io.profilehub.property;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.util.Iterator;
import java.util.Map;

/** An independent, in-memory RFC 7396 model and generators of random nested JSON for property tests. */
final class JsonModel {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonModel() {
    }

    /** RFC 7396 section 2, MergePatch(Target, Patch), written from the pseudocode. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (patch.isObject()) {
            ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : F.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (f.getValue().isNull()) {
                    result.remove(f.getKey());
                } else {
                    result.set(f.getKey(), mergePatch(result.get(f.getKey()), f.getValue()));
                }
            }
            return result;
        }
        return patch;
    }

    static Arbitrary<JsonNode> scalar(boolean withNull) {
        Arbitrary<JsonNode> strings = Arbitraries.strings().withCharRange('a', 'e').ofMaxLength(3).map(F::textNode);
        Arbitrary<JsonNode> ints = Arbitraries.integers().between(-3, 3).map(F::numberNode);
        Arbitrary<JsonNode> bools = Arbitraries.of(true, false).map(F::booleanNode);
        Arbitrary<JsonNode> arrays = Arbitraries.integers().between(0, 3).list().ofMaxSize(3)
                .map(list -> {
                    var array = F.arrayNode();
                    list.forEach(array::add);
                    return (JsonNode) array;
                });
        if (withNull) {
            return Arbitraries.frequencyOf(
                    net.jqwik.api.Tuple.of(3, strings), net.jqwik.api.Tuple.of(2, ints), net.jqwik.api.Tuple.of(1, bools),
                    net.jqwik.api.Tuple.of(1, arrays), net.jqwik.api.Tuple.of(3, Arbitraries.just(F.nullNode())));
        }
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, strings), net.jqwik.api.Tuple.of(2, ints),
                net.jqwik.api.Tuple.of(1, bools), net.jqwik.api.Tuple.of(1, arrays));
    }

    /** Objects nested up to {@code depth} levels over a small key alphabet, so patches often meet targets. */
    static Arbitrary<ObjectNode> object(int depth, boolean withNull) {
        Arbitrary<JsonNode> value = depth <= 1 ? scalar(withNull)
                : Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, scalar(withNull)),
                net.jqwik.api.Tuple.of(2, Arbitraries.lazy(() -> object(depth - 1, withNull)).map(o -> (JsonNode) o)));
        return Arbitraries.maps(Arbitraries.of("a", "b", "c", "d"), value).ofMaxSize(4).map(map -> {
            ObjectNode node = F.objectNode();
            map.forEach(node::set);
            return node;
        });
    }
}
