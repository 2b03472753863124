package dev.switchboard.core.session.store;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The immutable, already validated attribute map inside a {@link SessionRecord}. It is a type of
 * its own, invisible outside this package, so that a record built from another record's
 * attributes (every {@code with...} copy, every touch) can reuse the map instead of copying and
 * re-validating it: no code outside the package can make an instance, so one that arrives is
 * known to be frozen and valid.
 */
final class FrozenAttributes extends AbstractMap<String, String> {
    static final FrozenAttributes EMPTY = new FrozenAttributes(Map.of());

    private final Map<String, String> map;

    private FrozenAttributes(Map<String, String> ordered) {
        this.map = Collections.unmodifiableMap(ordered);
    }

    /** {@code source} itself when already frozen, otherwise a validated, insertion-ordered copy. */
    static FrozenAttributes of(Map<String, String> source) {
        if (source instanceof FrozenAttributes frozen) return frozen;
        SessionAttributes.validate(source);
        if (source.isEmpty()) return EMPTY;
        // Validated before copying so that an oversized map is refused without being copied;
        // the copy is then taken once and checked again, because a map another thread is still
        // changing could differ from the one just validated.
        LinkedHashMap<String, String> copy = new LinkedHashMap<>(source);
        SessionAttributes.validate(copy);
        return new FrozenAttributes(copy);
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return map.entrySet();
    }

    @Override
    public String get(Object key) {
        return map.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return map.containsKey(key);
    }

    @Override
    public int size() {
        return map.size();
    }
}
