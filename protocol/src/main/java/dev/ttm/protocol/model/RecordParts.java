package dev.ttm.protocol.model;

import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * How {@link StateDigest} writes one record component: its accessor called through a function made once per component
 * ({@link LambdaMetafactory}: a plain interface call, where a method handle held in a field is interpreted on every
 * call), with {@code long}, {@code int} and {@code boolean} read unboxed and strings quoted directly. The text is
 * exactly what boxing the value and writing it generically gives. A component whose accessor is not public (nor its
 * record) is read as before: a method handle when the public lookup reaches it, reflection otherwise.
 */
final class RecordParts {
    private RecordParts() {}

    /** Writes one component of a record: {@code prefix} is written before it by the caller. */
    abstract static class Part {
        final String prefix;
        /** {@code prefix} in ASCII, or null when it is not ASCII. */
        final byte[] prefixBytes;

        Part(String prefix) {
            this.prefix = prefix;
            this.prefixBytes = StateDigest.asciiBytes(prefix);
        }

        abstract void write(CanonicalSink b, Record r);
    }

    static Part of(RecordComponent c, String prefix) {
        MethodHandle publicHandle;
        try {
            publicHandle = MethodHandles.publicLookup().unreflect(c.getAccessor());
        } catch (IllegalAccessException e) {
            return new Reflective(prefix, c);
        }
        if (!visibleHere(c.getDeclaringRecord())) return new Handle(prefix, c, publicHandle);
        try {
            return fast(c, prefix);
        } catch (Throwable e) {
            return new Handle(prefix, c, publicHandle); // the metafactory refused it: the general way
        }
    }

    /**
     * Whether a function made here can name {@code type}: the class made by the metafactory is defined in this
     * class's loader, and would fail on its first call if that loader resolves the name to another class or none.
     */
    private static boolean visibleHere(Class<?> type) {
        try {
            return Class.forName(type.getName(), false, RecordParts.class.getClassLoader()) == type;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private static Part fast(RecordComponent c, String prefix) throws Throwable {
        Class<?> t = c.getType();
        if (t == long.class) {
            ToLongFunction<Object> f = (ToLongFunction<Object>) function(c, ToLongFunction.class, "applyAsLong", long.class);
            return new Part(prefix) {
                @Override void write(CanonicalSink b, Record r) { b.num(f.applyAsLong(r)); }
            };
        }
        if (t == int.class) {
            ToIntFunction<Object> f = (ToIntFunction<Object>) function(c, ToIntFunction.class, "applyAsInt", int.class);
            return new Part(prefix) {
                @Override void write(CanonicalSink b, Record r) { b.num(f.applyAsInt(r)); }
            };
        }
        if (t == boolean.class) {
            Predicate<Object> f = (Predicate<Object>) function(c, Predicate.class, "test", boolean.class);
            return new Part(prefix) {
                @Override void write(CanonicalSink b, Record r) { b.bool(f.test(r)); }
            };
        }
        Function<Object, Object> f = (Function<Object, Object>) function(c, Function.class, "apply", Object.class);
        if (t == String.class) {
            return new Part(prefix) {
                @Override void write(CanonicalSink b, Record r) { StateDigest.string(b, (String) f.apply(r)); }
            };
        }
        return new Part(prefix) {
            @Override void write(CanonicalSink b, Record r) { StateDigest.write(b, f.apply(r)); }
        };
    }

    /** {@code c}'s accessor as an instance of {@code type}, whose one method {@code method} returns {@code returns}. */
    private static Object function(RecordComponent c, Class<?> type, String method, Class<?> returns) throws Throwable {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle accessor = lookup.unreflect(c.getAccessor());
        Class<?> boxed = c.getType().isPrimitive() && returns == Object.class ? accessor.type().wrap().returnType() : c.getType();
        return LambdaMetafactory.metafactory(lookup, method, MethodType.methodType(type), MethodType.methodType(returns, Object.class),
                accessor, MethodType.methodType(returns == Object.class ? boxed : returns, c.getDeclaringRecord())).getTarget().invoke();
    }

    /** A public accessor the metafactory could not use: a method handle, as the digest always read it. */
    private static final class Handle extends Part {
        private final RecordComponent component;
        private final MethodHandle handle;

        Handle(String prefix, RecordComponent component, MethodHandle handle) {
            super(prefix);
            this.component = component;
            this.handle = handle.asType(MethodType.methodType(Object.class, Object.class));
        }

        @Override
        void write(CanonicalSink b, Record r) {
            Object v;
            try {
                v = (Object) handle.invokeExact((Object) r);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
            StateDigest.write(b, v);
        }
    }

    /** An accessor the public lookup does not reach: read through reflection (which may refuse it). */
    private static final class Reflective extends Part {
        private final RecordComponent component;

        Reflective(String prefix, RecordComponent component) {
            super(prefix);
            this.component = component;
        }

        @Override
        void write(CanonicalSink b, Record r) {
            Object v;
            try {
                v = component.getAccessor().invoke(r);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
            StateDigest.write(b, v);
        }
    }
}
