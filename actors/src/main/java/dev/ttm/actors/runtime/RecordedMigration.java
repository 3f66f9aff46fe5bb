package dev.ttm.actors.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ttm.protocol.journal.JournalFormat;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * The journal format's version, kept by Pekko's Jackson serializer: registered for the journaled records under
 * {@code pekko.serialization.jackson.migrations}, it makes their manifest carry {@code #}{@link JournalFormat#VERSION},
 * and turns an entry written by an older version into today's form before it is read (an entry without a version in
 * its manifest is version 1). Version 1 is the first: nothing to turn yet. When a journaled record changes shape,
 * raise {@link JournalFormat#VERSION} and add the step from the previous version here.
 */
public final class RecordedMigration extends JacksonMigration {
    @Override
    public int currentVersion() {
        return JournalFormat.VERSION;
    }

    @Override
    public JsonNode transform(int fromVersion, JsonNode json) {
        return json;
    }
}
