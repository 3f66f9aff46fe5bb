/**
 * The pure TTM model: buffer objects, region managers, the IO manager and execbuf coordinators as
 * deterministic state machines ({@code handle} decides, {@code apply} changes state) that share nothing and
 * talk only by messages, so that each can run in its own actor. No clocks, no randomness, no I/O.
 */
package dev.ttm.protocol.model;
