package dev.ttm.protocol.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The journal's serializer as tests build it: a CBOR {@link ObjectMapper} (as Pekko's jackson-cbor serializer uses)
 * with every {@link ModelTypes#all()} entry registered as a {@link NamedType} under its journal name, so that the
 * {@code @type} of a message, event or address is e.g. {@code BufferObject.Reserved}. Unknown properties fail a read
 * (the default): a record that writes more than its components does not round-trip.
 */
public final class ModelJackson {
    private static final ObjectMapper CBOR = build();

    private ModelJackson() {}

    public static ObjectMapper cbor() {
        return CBOR;
    }

    public static ObjectMapper build() {
        ObjectMapper m = new ObjectMapper(new CBORFactory());
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        for (Map.Entry<String, Class<?>> e : ModelTypes.all().entrySet()) m.registerSubtypes(new NamedType(e.getValue(), e.getKey()));
        return m;
    }

    private static final Map<Class<?>, ObjectWriter> WRITERS = new ConcurrentHashMap<>();
    private static final Map<Class<?>, ObjectReader> READERS = new ConcurrentHashMap<>();

    public static byte[] write(Object value, Class<?> as) {
        try {
            return WRITERS.computeIfAbsent(as, CBOR::writerFor).writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T read(byte[] bytes, Class<T> as) {
        try {
            return READERS.computeIfAbsent(as, CBOR::readerFor).readValue(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code value} as {@code as} (its polymorphic base: Message, Event or Address) and reads it back. */
    public static <T> T roundTrip(T value, Class<T> as) {
        return read(write(value, as), as);
    }
}
