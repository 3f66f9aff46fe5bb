package dev.ttm.protocol.model;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Where a message goes. Entities are named; the runtime maps an address to an actor or a simulated entity. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
public sealed interface Address permits Address.Bo, Address.Region, Address.Io, Address.Client, Address.Exec {
    record Bo(String name) implements Address {
        @Override public String toString() { return "bo:" + name; }
    }

    record Region(String name) implements Address {
        @Override public String toString() { return "region:" + name; }
    }

    /** The IO manager: the driver's io_mem_reserve / io_mem_free and its fault hook. */
    record Io() implements Address {
        @Override public String toString() { return "io"; }
    }

    /** A requester outside the model (a scenario, a load client, an embedding application). */
    record Client(String name) implements Address {
        @Override public String toString() { return "client:" + name; }
    }

    /** One execbuf in progress (a short-lived coordinator entity). */
    record Exec(long id) implements Address {
        @Override public String toString() { return "exec:" + id; }
    }

    Io IO = new Io();
}
