package dev.switchboard.protocol.json;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The few fields of a flat request, in the order they were read, as a read-only map: two arrays
 * searched in order. A request has a handful of fields, each looked up a couple of times, so a
 * scan of a few names — found by identity when the scanner returned a known name — costs less than
 * a hash table's entries, table and hashing of fresh names, which it replaces on the server's path
 * of every request.
 */
final class FlatFields extends AbstractMap<String, Object> {
    private String[] names = new String[8];
    private Object[] values = new Object[8];
    private int size;

    /** Appends a field; false (and nothing added) when {@code name} is there already. */
    boolean add(String name, Object value) {
        if (indexOf(name) >= 0) {
            return false;
        }
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size] = value;
        size++;
        return true;
    }

    /** Where {@code name} is; a known name is found by identity, which {@code String.equals} tries first. */
    private int indexOf(Object name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Object get(Object name) {
        int i = indexOf(name);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object name) {
        return indexOf(name) >= 0;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Entry<String, Object> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(names[i], values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
