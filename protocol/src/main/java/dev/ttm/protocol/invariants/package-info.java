/** The invariant checker: the invariants of docs/semantics.md, checked after every delivered message. */
package dev.ttm.protocol.invariants;
