package dev.ttm.protocol.model;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The journal names of every concrete message, event and address type, found by walking the sealed hierarchies
 * (so a new record cannot be forgotten). A name is the enclosing entity and the record, e.g.
 * {@code BufferObject.Reserved}: stable across package moves, and what a serializer registers as type ids.
 */
public final class ModelTypes {
    private static final Map<String, Class<?>> BY_NAME = collect(Message.class, Event.class, Address.class);

    private ModelTypes() {}

    /** Journal name to record class, for every concrete type. */
    public static Map<String, Class<?>> all() {
        return BY_NAME;
    }

    public static String nameOf(Class<?> type) {
        Class<?> outer = type.getEnclosingClass();
        return outer == null ? type.getSimpleName() : outer.getSimpleName() + "." + type.getSimpleName();
    }

    private static Map<String, Class<?>> collect(Class<?>... roots) {
        Map<String, Class<?>> out = new LinkedHashMap<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        for (Class<?> r : roots) todo.add(r);
        while (!todo.isEmpty()) {
            Class<?> c = todo.pollFirst();
            if (c.isSealed()) {
                for (Class<?> sub : c.getPermittedSubclasses()) todo.addLast(sub);
            } else {
                Class<?> clash = out.putIfAbsent(nameOf(c), c);
                assert clash == null || clash == c : "two types named " + nameOf(c);
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
