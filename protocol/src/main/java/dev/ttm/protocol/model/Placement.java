package dev.ttm.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.List;

/** An ordered list of places, most preferred first. The empty placement purges the BO. */
public record Placement(List<Place> places) {
    public static final Placement NONE = new Placement(List.of());

    public Placement {
        places = List.copyOf(places);
    }

    public static Placement of(Place... places) {
        return new Placement(List.of(places));
    }

    /** Not a property: a serializer must not journal it (it is derived from {@code places}). */
    @JsonIgnore
    public boolean isNone() {
        return places.isEmpty();
    }

    @Override
    public String toString() {
        if (places.isEmpty()) return "none";
        StringBuilder b = new StringBuilder();
        for (Place p : places) {
            if (b.length() > 0) b.append(',');
            b.append(p);
        }
        return b.toString();
    }
}
