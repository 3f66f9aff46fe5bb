/** The invariant checker: DESIGN.md §3's thirteen invariants, checked after every delivered message. */
package dev.ttm.protocol.invariants;
