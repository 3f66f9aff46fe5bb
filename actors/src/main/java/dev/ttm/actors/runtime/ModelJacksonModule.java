package dev.ttm.actors.runtime;

import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.ttm.protocol.model.ModelTypes;

import java.util.Map;

/**
 * Registers every concrete message, event and address of the model under its journal name (for example
 * {@code BufferObject.Reserved}), so that Pekko's jackson-cbor serializer writes and reads them by name. Listed in
 * reference.conf under {@code pekko.serialization.jackson.jackson-modules}.
 */
public final class ModelJacksonModule extends SimpleModule {
    public ModelJacksonModule() {
        super("ttm-model");
        for (Map.Entry<String, Class<?>> e : ModelTypes.all().entrySet()) registerSubtypes(new NamedType(e.getValue(), e.getKey()));
    }
}
